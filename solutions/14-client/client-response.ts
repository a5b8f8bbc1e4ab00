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

// @remove
const CR = 0x0d;
const LF = 0x0a;
/** RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. */
const STATUS_LINE = /^(HTTP\/\d\.\d) (\d{3}) ?([\t\x20-\x7e\x80-\xff]*)$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const WEBSOCKET_SCHEMES: Readonly<Record<string, string>> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };
// @end

/**
 * An incremental response-head parser. Call {@link ResponseHeadParser.parse} each time bytes
 * arrive, until it returns the head.
 */
export class ResponseHeadParser {
  // @remove
  /** How many bytes of the queue have been searched for CRLF CRLF. */
  private scanned = 0;
  // @end

  constructor(readonly limits: HeadLimits = defaultHeadLimits) {}

  /**
   * Parses the head once it is complete: returns it and consumes exactly its bytes (blank line
   * included); returns `null` and consumes nothing until then. Throws {@link HandshakeError} for a
   * malformed head, or one over `limits` (a server is not trusted more than a client).
   */
  parse(queue: ByteQueue): ResponseHead | null {
    // @solution ResponseHeadParser.parse: find CRLF CRLF (searching only new bytes), then parse the status line and the fields
    // 1. The end of the head, searched from where the last call stopped.
    const { maxHeadBytes, maxHeaders } = this.limits;
    let end = -1;
    for (; this.scanned < queue.length; this.scanned++) {
      const i = this.scanned;
      if (i >= 3 && queue.byteAt(i) === LF && queue.byteAt(i - 1) === CR && queue.byteAt(i - 2) === LF && queue.byteAt(i - 3) === CR) {
        end = i + 1;
        break;
      }
      if (i + 1 >= maxHeadBytes) throw new HandshakeError(`the response head is longer than ${maxHeadBytes} bytes`);
    }
    if (end < 0) return null;
    this.scanned = 0;
    const lines = latin1(queue.consume(end)).split('\r\n').slice(0, -2);

    // 2. The status line (RFC 9112 §4).
    const [statusLine = '', ...fieldLines] = lines;
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) throw new HandshakeError(`malformed status line ${JSON.stringify(statusLine.slice(0, 60))} (RFC 9112 §4)`);
    if (fieldLines.length > maxHeaders) throw new HandshakeError(`the response has more than ${maxHeaders} header fields`);

    // 3. The fields (RFC 9112 §5): name ":" OWS value OWS.
    const headers = new Map<string, string[]>();
    for (const line of fieldLines) {
      const colon = line.indexOf(':');
      const name = colon < 0 ? '' : line.slice(0, colon);
      if (!TOKEN.test(name)) throw new HandshakeError(`malformed header line ${JSON.stringify(line.slice(0, 60))} in the response (RFC 9112 §5)`);
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      const key = name.toLowerCase();
      const values = headers.get(key);
      if (values) values.push(value);
      else headers.set(key, [value]);
    }
    return { version: status[1]!, status: Number(status[2]), reason: status[3]!, headers };
    // @end
  }
}

/**
 * Checks a response to our request (RFC 6455 §4.1, "the client MUST validate the server's
 * response") and returns what it agreed on. Throws {@link HandshakeError} for a status other than
 * 101, a missing or wrong `Upgrade` or `Connection`, a `Sec-WebSocket-Accept` that is not the hash
 * of `offer.key`, or an extension or subprotocol that was not offered.
 */
export function checkResponse(head: ResponseHead, offer: ClientOffer): Agreement {
  // @solution checkResponse: 101, Upgrade, Connection, Sec-WebSocket-Accept, then only what was offered
  const refuse = (message: string): never => {
    throw new HandshakeError(message, head.status, head.headers);
  };
  // 1. Status 101: anything else is the server's refusal (or a redirect not followed).
  if (head.status !== 101) {
    refuse(`the server answered ${head.status}${head.reason === '' ? '' : ` ${head.reason}`}, not 101 Switching Protocols (RFC 6455 §4.1)`);
  }
  // 2. Upgrade: websocket, case-insensitive.
  const upgrade = fieldItems(head, 'upgrade');
  if (upgrade.length !== 1 || upgrade[0]!.toLowerCase() !== 'websocket') {
    refuse(`the 101 has ${shownField(head, 'upgrade')} instead of "Upgrade: websocket" (RFC 6455 §4.1, client step 2)`);
  }
  // 3. Connection lists the token upgrade.
  if (!fieldItems(head, 'connection').some((item) => item.toLowerCase() === 'upgrade')) {
    refuse(`the 101 has ${shownField(head, 'connection')} instead of "Connection: Upgrade" (RFC 6455 §4.1, client step 3)`);
  }
  // 4. The accept value proves the server read our key (chapter 03's computeAccept).
  const accept = head.headers.get('sec-websocket-accept') ?? [];
  const expected = computeAccept(offer.key);
  if (accept.length !== 1 || accept[0] !== expected) {
    refuse(`Sec-WebSocket-Accept is ${shownField(head, 'sec-websocket-accept')}, but the key ${offer.key} gives ${expected} (RFC 6455 §4.1, client step 4)`);
  }
  // 5. Extensions: each accepted one was offered (compared by name).
  const offeredExtensions = new Set((offer.extensions ?? []).map(extensionName));
  const extensions = fieldItems(head, 'sec-websocket-extensions');
  for (const extension of extensions) {
    if (!offeredExtensions.has(extensionName(extension))) {
      refuse(`the server accepted the extension ${JSON.stringify(extension)}, which was not offered (RFC 6455 §4.1, client step 5)`);
    }
  }
  // 6. The subprotocol: at most one, and one of those offered.
  const protocols = fieldItems(head, 'sec-websocket-protocol');
  if (protocols.length > 1) refuse(`the server chose ${protocols.length} subprotocols (${protocols.join(', ')}); it picks at most one (RFC 6455 §4.2.2)`);
  const protocol = protocols[0] ?? null;
  if (protocol !== null && !(offer.protocols ?? []).includes(protocol)) {
    refuse(`the server chose the subprotocol ${JSON.stringify(protocol)}, which was not offered (RFC 6455 §4.1, client step 6)`);
  }
  return { protocol, extensions };
  // @end
}

/**
 * Where a redirect sends the client, or null when `head` is not one to follow: not a 3xx, or
 * `options.followRedirects` is off. `followed` is how many were followed before this one. The
 * `Location` is resolved against `current`, and `http:`/`https:` become `ws:`/`wss:`. Throws
 * {@link HandshakeError} past `maxRedirects`, for a 3xx without `Location`, or for a scheme a
 * WebSocket cannot use.
 */
export function redirectTarget(head: ResponseHead, current: URL, followed: number, options: RedirectOptions = {}): URL | null {
  // @solution redirectTarget: only a 3xx when following is on; bounded depth; Location resolved, http(s) mapped to ws(s)
  if (!REDIRECTS.has(head.status) || options.followRedirects !== true) return null;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (followed >= maxRedirects) {
    throw new HandshakeError(`more than ${maxRedirects} redirects (the last one, ${head.status}, from ${current.href})`, head.status, head.headers);
  }
  const location = head.headers.get('location')?.[0];
  if (location === undefined) throw new HandshakeError(`a ${head.status} redirect without a Location field (RFC 9110 §10.2.2)`, head.status, head.headers);
  let target: URL;
  try {
    target = new URL(location, current);
  } catch {
    throw new HandshakeError(`the redirect's Location ${JSON.stringify(location)} is not a URL`, head.status, head.headers);
  }
  const scheme = WEBSOCKET_SCHEMES[target.protocol];
  if (scheme === undefined) throw new HandshakeError(`a redirect to ${target.protocol}, which is not ws:, wss:, http: or https:`, head.status, head.headers);
  // A scheme change between special schemes keeps the rest of the URL; a default port stays implied.
  const next = new URL(`${scheme}//${target.host}${target.pathname}${target.search}`);
  return next;
  // @end
}
// @remove

/** Bytes → string, one character per byte. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return text;
}

/** Every comma-separated item of a field, over all its lines, trimmed, empty ones dropped (RFC 9110 §5.6.1). */
function fieldItems(head: ResponseHead, name: string): string[] {
  return (head.headers.get(name) ?? [])
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A field for a message: `"Name: value"`, or `no Name field`. */
function shownField(head: ResponseHead, name: string): string {
  const values = head.headers.get(name);
  return values === undefined ? `no ${name} field` : JSON.stringify(`${name}: ${values.join(', ')}`);
}

/** `permessage-deflate; client_max_window_bits` → `permessage-deflate`. */
function extensionName(item: string): string {
  return item.split(';')[0]!.trim().toLowerCase();
}
// @end
