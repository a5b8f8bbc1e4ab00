/**
 * Chapter 12: the request node:http has already parsed, as chapter 02's {@link RequestHead}.
 *
 * When a WebSocket server shares a port with an HTTP server, node:http reads the request head, not
 * this workbook's parser: its `'upgrade'` event hands over an `IncomingMessage` (method, url,
 * HTTP version, `rawHeaders`), the socket, and `head`, the bytes that came after the blank line.
 * The handshake layer of chapter 04 decides on a RequestHead, so this module builds one.
 *
 * Two things make that more than copying fields:
 *
 * - `request.headers` is the wrong source. node:http folds it for convenience: a repeated `Host`
 *   keeps only the first value, repeated `Sec-WebSocket-Key` lines are joined with ", ". A server
 *   that decides on it cannot see the duplicates RFC 9112 §3.2 and RFC 6455 §4.2.1 refuse.
 *   `request.rawHeaders` keeps every line, in order, as `[name, value, name, value, …]`.
 * - node:http's own limits are not the server's. It answers a head over 16 KiB itself (431) and
 *   silently drops fields past its count limit; chapter 02 promises 8 KiB and 100 fields, with its
 *   own answer. Those checks are made here again, with chapter 02's statuses and words, so both
 *   ways of running the server refuse the same requests the same way.
 */
import type { HeadLimits, RequestHead } from '../02-http-head/request-head.ts';
import { defaultHeadLimits } from '../02-http-head/request-head.ts';
import { HttpError } from '../../core/errors.ts';

/** The parts of node:http's `IncomingMessage` a handshake needs (a plain object does in tests). */
export interface NodeRequest {
  /** e.g. `GET`. */
  readonly method?: string | undefined;
  /** The request-target as sent, e.g. `/chat?room=1`. */
  readonly url?: string | undefined;
  /** e.g. `1.1` (without `HTTP/`). */
  readonly httpVersion: string;
  /** Every header line as sent: `[name, value, name, value, …]`. */
  readonly rawHeaders: readonly string[];
}

/**
 * The RequestHead of a request node:http parsed: method, target, `HTTP/` + version, and every
 * header line from `rawHeaders` (names lower-cased, repeated names kept in order). Throws chapter
 * 02's {@link HttpError} 431 when the head has more than `limits.maxHeaders` fields or, written
 * back as bytes, is longer than `limits.maxHeadBytes`.
 */
export function requestHeadFromNode(request: NodeRequest, limits: HeadLimits = defaultHeadLimits): RequestHead {
  // @solution requestHeadFromNode: walk rawHeaders two by two into a Map of lists, and check chapter 02's two limits on the way
  const method = request.method ?? '';
  const target = request.url ?? '';
  const version = `HTTP/${request.httpVersion}`;
  // 1. The request line, as it was sent: "GET /chat HTTP/1.1" and its CRLF.
  let headBytes = byteLength(`${method} ${target} ${version}\r\n`);
  const headers = new Map<string, string[]>();
  const fieldCount = request.rawHeaders.length / 2;
  // 2. RFC 6585 §5: too many fields. Checked before the walk, as chapter 02 checks while reading.
  if (fieldCount > limits.maxHeaders) throw new HttpError(431, `more than ${limits.maxHeaders} header fields (RFC 6585 §5)`);
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    const value = request.rawHeaders[i + 1]!;
    // 3. Each line "Name: value" and its CRLF. node:http trimmed the value's whitespace, so this
    //    counts at most what was sent: a head under the limit here may have been a little over it.
    headBytes += byteLength(`${name}: ${value}\r\n`);
    const key = name.toLowerCase();
    const values = headers.get(key);
    if (values === undefined) headers.set(key, [value]);
    else values.push(value);
  }
  // 4. The blank line that ends the head counts too, as in chapter 02.
  headBytes += 2;
  if (headBytes > limits.maxHeadBytes) {
    throw new HttpError(431, `the request head is longer than ${limits.maxHeadBytes} bytes (RFC 6585 §5)`);
  }
  return { method, target, version, headers };
  // @end
}
// @remove

function byteLength(text: string): number {
  return textEncoder.encode(text).length;
}

const textEncoder = new TextEncoder();
// @end
