/**
 * Chapter 14: the server's answer, read and checked by the client (RFC 6455 §4.1, §4.2.2).
 *
 * The client reads the response head from the connection's one byte queue (chapter 02's
 * ByteQueue), as the server read the request: nothing is consumed until the blank line is there,
 * and bytes after it stay queued. That matters here more than anywhere: a server may write its 101
 * and its first frame in one TCP segment, and those frame bytes belong to chapter 05's decoder.
 *
 * Then every rule of §4.1's "the client MUST validate the server's response" list, in order:
 * status 101, `Upgrade: websocket`, `Connection` listing `upgrade`, `Sec-WebSocket-Accept` equal to
 * chapter 03's hash of the key we sent, and no extension or subprotocol we did not offer. The first
 * rule broken fails the connection with a {@link HandshakeError} that keeps the status (and the
 * connection adds the body), so an application can tell a 401 from a 404 from a broken server.
 *
 * A 3xx is an answer, not an error: §4.1 lets a client follow it. It is followed only when asked
 * and only so many times, so two servers redirecting to each other cannot keep a client busy.
 */
import type { ByteQueue } from '../02-http-head/byte-queue.ts';
import type { HeadLimits } from '../02-http-head/request-head.ts';
import { defaultHeadLimits } from '../02-http-head/request-head.ts';
import { computeAccept } from '../03-accept-key/accept-key.ts';
import { todo } from '../../core/errors.ts';

/** A parsed response head. Header names are lower-cased; repeated fields keep every value in order. */
export interface ResponseHead {
  /** e.g. `HTTP/1.1`. */
  readonly version: string;
  /** e.g. 101. */
  readonly status: number;
  /** e.g. `Switching Protocols` (may be empty, RFC 9112 §4). */
  readonly reason: string;
  /** Lower-cased field name → the values of every line with that name, in order, trimmed. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/** The opening handshake failed: the server refused, or answered what a client must not accept. */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    message: string,
    /** The response's status, or null when no valid response head arrived. */
    readonly status: number | null = null,
    /** The response's header fields (empty when there was no valid head). */
    readonly headers: ReadonlyMap<string, readonly string[]> = new Map(),
    /** The response body, as far as it was read (the connection adds it for a refusal). */
    readonly body: Uint8Array = new Uint8Array(0),
  ) {
    super(message);
  }
}

/** What the client offered: the key and the offers its request carried. */
export interface ClientOffer {
  /** The Sec-WebSocket-Key that was sent. */
  readonly key: string;
  readonly protocols?: readonly string[];
  /** Extension offers as sent, e.g. `permessage-deflate; client_max_window_bits`. */
  readonly extensions?: readonly string[];
}

/** What a valid 101 agreed on. */
export interface Agreement {
  /** The subprotocol the server chose from the offer, or null for none. */
  readonly protocol: string | null;
  /** The extensions the server accepted, as it wrote them (`Sec-WebSocket-Extensions` items). */
  readonly extensions: readonly string[];
}

/** When and how often a 3xx is followed. */
export interface RedirectOptions {
  /** Follow 3xx answers at all (default false, as in `ws`). */
  readonly followRedirects?: boolean;
  /** Most redirects followed for one connection (default {@link DEFAULT_MAX_REDIRECTS}). */
  readonly maxRedirects?: number;
}

/** Default most redirects followed: 10. */
export const DEFAULT_MAX_REDIRECTS = 10;

/**
 * An incremental response-head parser. Call {@link ResponseHeadParser.parse} each time bytes
 * arrive, until it returns the head.
 */
export class ResponseHeadParser {
  constructor(readonly limits: HeadLimits = defaultHeadLimits) {}

  /**
   * Parses the head once it is complete: returns it and consumes exactly its bytes (blank line
   * included); returns `null` and consumes nothing until then. Throws {@link HandshakeError} for a
   * malformed head, or one over `limits` (a server is not trusted more than a client).
   */
  parse(queue: ByteQueue): ResponseHead | null {
    // TODO (see the chapter's README)
    return todo('chapters/14-client/client-response.ts', 'ResponseHeadParser.parse: find CRLF CRLF (searching only new bytes), then parse the status line and the fields');
  }
}

/**
 * Checks a response to our request (RFC 6455 §4.1, "the client MUST validate the server's
 * response") and returns what it agreed on. Throws {@link HandshakeError} for a status other than
 * 101, a missing or wrong `Upgrade` or `Connection`, a `Sec-WebSocket-Accept` that is not the hash
 * of `offer.key`, or an extension or subprotocol that was not offered.
 */
export function checkResponse(head: ResponseHead, offer: ClientOffer): Agreement {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-response.ts', 'checkResponse: 101, Upgrade, Connection, Sec-WebSocket-Accept, then only what was offered');
}

/**
 * Where a redirect sends the client, or null when `head` is not one to follow: not a 3xx, or
 * `options.followRedirects` is off. `followed` is how many were followed before this one. The
 * `Location` is resolved against `current`, and `http:`/`https:` become `ws:`/`wss:`. Throws
 * {@link HandshakeError} past `maxRedirects`, for a 3xx without `Location`, or for a scheme a
 * WebSocket cannot use.
 */
export function redirectTarget(head: ResponseHead, current: URL, followed: number, options: RedirectOptions = {}): URL | null {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-response.ts', 'redirectTarget: only a 3xx when following is on; bounded depth; Location resolved, http(s) mapped to ws(s)');
}
