/**
 * Chapter 02: the HTTP request head (RFC 9112 §2–§5, RFC 9110 §5), parsed incrementally.
 *
 * Every WebSocket connection opens with an HTTP/1.1 request (RFC 6455 §4.1). The parser reads the
 * connection's {@link ByteQueue}: it waits until the blank line (CRLF CRLF) that ends the head has
 * arrived, consuming nothing until then, and remembers how far it has searched so a head that
 * trickles in byte by byte is not rescanned from the start. Bytes after the blank line stay in the
 * queue: they belong to the next layer (a client may send its first frame in the same write).
 *
 * Limits protect the server from a client that never ends its head: the head may be at most
 * `maxHeadBytes` (431 Request Header Fields Too Large, RFC 6585 §5) with at most `maxHeaders` fields.
 * Anything malformed is 400 Bad Request.
 */
import type { ByteQueue } from './byte-queue.ts';
import { HttpError } from '../../core/errors.ts';

/** A parsed request head. Header names are lower-cased; repeated fields keep every value in order. */
export interface RequestHead {
  /** e.g. `GET` (case-sensitive, RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target as sent, e.g. `/chat?room=1`. */
  readonly target: string;
  /** e.g. `HTTP/1.1`. */
  readonly version: string;
  /** Lower-cased field name → the values of every line with that name, in order, trimmed. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

export interface HeadLimits {
  /** Largest request head in bytes, blank line included (default 8 KiB) → 431. */
  readonly maxHeadBytes: number;
  /** Most header fields (default 100) → 431. */
  readonly maxHeaders: number;
}

export const defaultHeadLimits: HeadLimits = { maxHeadBytes: 8 * 1024, maxHeaders: 100 };

/**
 * An incremental request-head parser for one connection. Call {@link RequestHeadParser.parse} each
 * time bytes arrive, until it returns the head.
 */
export class RequestHeadParser {
  // @remove
  /** How many bytes of the queue have been scanned for the end of the head. */
  private scanned = 0;
  /** Where the line being scanned starts. */
  private lineStart = 0;
  /** Lines completed so far, the request line included (leading empty lines are not counted). */
  private lines = 0;
  // @end

  constructor(readonly limits: HeadLimits = defaultHeadLimits) {}

  /**
   * Parses the head once it is complete: returns it and consumes exactly its bytes (blank line
   * included); returns `null` and consumes nothing while the blank line has not arrived.
   * Throws {@link HttpError} 400 for a malformed head, 431 past the limits.
   */
  parse(queue: ByteQueue): RequestHead | null {
    // @solution RequestHeadParser.parse: find CRLF CRLF, then parse the request line and the header fields
    const end = this.findEnd(queue);
    if (end === null) return null;
    this.scanned = this.lineStart = this.lines = 0;
    return parseHead(latin1(queue.consume(end)));
    // @end
  }
  // @remove

  /**
   * Scans the new bytes only, line by line: returns the length of the head once its blank line is
   * in the queue, else null. Checks the limits and the line endings as it goes, so a client that
   * never stops sending header lines is refused at the limit, not when it runs out of memory.
   */
  private findEnd(queue: ByteQueue): number | null {
    const { maxHeadBytes, maxHeaders } = this.limits;
    for (; this.scanned < queue.length; this.scanned++) {
      const i = this.scanned;
      const byte = queue.byteAt(i);
      // RFC 9112 §2.2: lines end with CRLF. A bare CR is refused; so is a bare LF (see README).
      if (byte === LF) {
        if (i === 0 || queue.byteAt(i - 1) !== CR) throw new HttpError(400, 'a line ends with LF without CR (RFC 9112 §2.2)');
        const empty = i - 1 === this.lineStart;
        this.lineStart = i + 1;
        // RFC 9112 §2.2: empty lines before the request line are ignored.
        if (empty && this.lines > 0) return i + 1;
        if (!empty) this.lines++;
        if (this.lines - 1 > maxHeaders) {
          throw new HttpError(431, `more than ${maxHeaders} header fields (RFC 6585 §5)`);
        }
      } else if (i > 0 && queue.byteAt(i - 1) === CR) {
        throw new HttpError(400, 'a CR not followed by LF (RFC 9112 §2.2)');
      }
      if (i + 1 >= maxHeadBytes) {
        throw new HttpError(431, `the request head is longer than ${maxHeadBytes} bytes (RFC 6585 §5)`);
      }
    }
    return null;
  }
  // @end
}
// @remove

const CR = 0x0d;
const LF = 0x0a;

/** RFC 9110 §5.6.2: token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9112 §3.2: a request-target has no whitespace or control characters. */
const TARGET = /^[\x21-\x7e]+$/;
const HTTP_VERSION = /^HTTP\/\d\.\d$/;
/** RFC 9110 §5.5: field-vchar, SP and HTAB; no other control characters. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Bytes → string, one character per byte (header bytes above 0x7f are opaque, RFC 9110 §5.5). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    // `apply` takes the bytes as the array-like they are: spreading them (`...bytes`) would run the
    // iterator protocol, one result object per byte, several kilobytes of garbage per request head.
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return text;
}

/** A piece of the request for an error message: quoted, control characters escaped, kept short. */
function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Parses a complete head (CRLF line endings already checked, blank line included). */
function parseHead(text: string): RequestHead {
  const lines = text.split('\r\n');
  while (lines[0] === '') lines.shift();
  lines.splice(lines.length - 2); // the empty line and what follows the final CRLF
  const [requestLine = '', ...fieldLines] = lines;

  // 1. RFC 9112 §3: method SP request-target SP HTTP-version, single spaces.
  const parts = requestLine.split(' ');
  if (parts.length !== 3) throw new HttpError(400, `malformed request line ${shown(requestLine)} (RFC 9112 §3)`);
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new HttpError(400, `the method ${shown(method)} is not a token (RFC 9110 §9.1)`);
  if (!TARGET.test(target)) throw new HttpError(400, `malformed request-target ${shown(target)} (RFC 9112 §3.2)`);
  if (!HTTP_VERSION.test(version)) throw new HttpError(400, `malformed HTTP version ${shown(version)} (RFC 9112 §2.3)`);

  // 2. RFC 9112 §5: field-name ":" OWS field-value OWS.
  const headers = new Map<string, string[]>();
  for (const line of fieldLines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      throw new HttpError(400, 'obsolete line folding is not accepted (RFC 9112 §5.2)');
    }
    const colon = line.indexOf(':');
    if (colon < 0) throw new HttpError(400, `the header line ${shown(line)} has no colon (RFC 9112 §5)`);
    const name = line.slice(0, colon);
    if (/[ \t]$/.test(name)) {
      throw new HttpError(400, `whitespace between the field name ${shown(name.trim())} and the colon (RFC 9112 §5.1)`);
    }
    if (!TOKEN.test(name)) throw new HttpError(400, `the field name ${shown(name)} is not a token (RFC 9110 §5.1)`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) {
      throw new HttpError(400, `a control character in the value of ${shown(name)} (RFC 9110 §5.5)`);
    }
    const key = name.toLowerCase();
    const values = headers.get(key);
    if (values) values.push(value);
    else headers.set(key, [value]);
  }
  return { method, target, version, headers };
}
// @end

/**
 * Every value of the field `name` (case-insensitive), repeated lines and comma-separated lists
 * split into one trimmed item each, empty items dropped: `Connection: keep-alive, Upgrade` gives
 * `['keep-alive', 'Upgrade']` (RFC 9110 §5.6.1).
 */
export function headerList(head: RequestHead, name: string): string[] {
  // @solution headerList: split every value of the field on commas, trim, drop empty items
  const values = head.headers.get(name.toLowerCase()) ?? [];
  return values
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  // @end
}

/** The single value of the field `name` (case-insensitive), `undefined` if absent; repeats joined with ", ". */
export function headerValue(head: RequestHead, name: string): string | undefined {
  // @solution headerValue: join the values of a field with ", "
  return head.headers.get(name.toLowerCase())?.join(', ');
  // @end
}
