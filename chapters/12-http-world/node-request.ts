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
import { HttpError, todo } from '../../core/errors.ts';

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
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/node-request.ts', 'requestHeadFromNode: walk rawHeaders two by two into a Map of lists, and check chapter 02\'s two limits on the way');
}
