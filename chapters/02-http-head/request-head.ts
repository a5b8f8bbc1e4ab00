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
import { HttpError, todo } from '../../core/errors.ts';

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
  constructor(readonly limits: HeadLimits = defaultHeadLimits) {}

  /**
   * Parses the head once it is complete: returns it and consumes exactly its bytes (blank line
   * included); returns `null` and consumes nothing while the blank line has not arrived.
   * Throws {@link HttpError} 400 for a malformed head, 431 past the limits.
   */
  parse(queue: ByteQueue): RequestHead | null {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/request-head.ts', 'RequestHeadParser.parse: find CRLF CRLF, then parse the request line and the header fields');
  }
}

/**
 * Every value of the field `name` (case-insensitive), repeated lines and comma-separated lists
 * split into one trimmed item each, empty items dropped: `Connection: keep-alive, Upgrade` gives
 * `['keep-alive', 'Upgrade']` (RFC 9110 §5.6.1).
 */
export function headerList(head: RequestHead, name: string): string[] {
  // TODO (see the chapter's README)
  return todo('chapters/02-http-head/request-head.ts', 'headerList: split every value of the field on commas, trim, drop empty items');
}

/** The single value of the field `name` (case-insensitive), `undefined` if absent; repeats joined with ", ". */
export function headerValue(head: RequestHead, name: string): string | undefined {
  // TODO (see the chapter's README)
  return todo('chapters/02-http-head/request-head.ts', 'headerValue: join the values of a field with ", "');
}
