/**
 * Chapter 14: the client's opening handshake request (RFC 6455 §4.1).
 *
 * A client opens a WebSocket with an ordinary HTTP/1.1 GET: the one a server's chapter 02 parses
 * and chapter 04 answers, now seen from the other end. Its fields follow §4.1's list: the
 * request-target is the URL's path and query (never its fragment, §3), `Host` names the server
 * (with the port only when it is not the scheme's default, as RFC 9110 §7.2 writes it),
 * `Upgrade: websocket` and `Connection: Upgrade` ask to switch, `Sec-WebSocket-Version: 13`, and
 * `Sec-WebSocket-Key` carries a fresh nonce that the server must echo, hashed, in its 101.
 *
 * The key is 16 random bytes from a cryptographically strong source (RFC 6455 §4.1 item 7 and §10.3). It is not
 * a secret: it only proves that the server read this very request, so a cache or an HTTP server that
 * never heard of WebSocket cannot answer with a stale or fake 101. A predictable key would let a
 * forged or replayed response pass that check.
 *
 * Everything here is pure: the connection (server/wiring/client-connection.ts) writes the bytes.
 */
import { WEBSOCKET_VERSION } from '../04-upgrade/handshake.ts';
import { todo } from '../../core/errors.ts';

/** What the client offers and adds in its request. */
export interface ClientRequestOptions {
  /** Subprotocols offered, in order of preference (`Sec-WebSocket-Protocol`, §4.1 item 10). */
  readonly protocols?: readonly string[];
  /** Extensions offered, each as its header item, e.g. `permessage-deflate; client_max_window_bits` (item 11). */
  readonly extensions?: readonly string[];
  /** Extra header fields, e.g. `Authorization` or `Origin` (item 12 lets a client send any others). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Bytes of a Sec-WebSocket-Key nonce (RFC 6455 §4.1 item 7). */
export const KEY_BYTES = 16;

/**
 * A fresh Sec-WebSocket-Key: 16 bytes from the platform's CSPRNG (`crypto.getRandomValues`),
 * base64-encoded (24 characters ending in `==`). Each connection gets its own (§4.1 item 7).
 */
export function generateKey(): string {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-request.ts', 'generateKey: 16 bytes from crypto.getRandomValues, base64-encoded');
}

/**
 * The `Host` field for `url` (RFC 6455 §4.1 item 4, RFC 9110 §7.2): the host name (an IPv6 address
 * in brackets), then `:port` only when the port is not the scheme's default (80 for `ws:`, 443 for
 * `wss:`). Throws TypeError for a scheme other than `ws:` and `wss:`.
 */
export function hostHeader(url: URL): string {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-request.ts', 'hostHeader: the hostname, plus ":port" unless it is 80 for ws: or 443 for wss:');
}

/**
 * The whole request head for `url` with `key`, CRLF line endings and the blank line included:
 * request line, `Host`, `Upgrade`, `Connection`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version`, the
 * offered subprotocols and extensions (omitted when none), then the extra headers.
 * Throws SyntaxError (as the browser does) for a subprotocol that is not a token or is offered
 * twice (§4.1 item 10), and TypeError for an extra header that is not a valid field, or that
 * would replace one of the handshake's own fields.
 */
export function buildRequest(url: URL, key: string, options: ClientRequestOptions = {}): string {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-request.ts', 'buildRequest: the GET line with path and query, then each field of §4.1 in turn, then the extra headers');
}
