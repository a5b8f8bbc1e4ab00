/**
 * Chapter 04: the server's opening handshake (RFC 6455 §4.2), and the answers that refuse one.
 *
 * A WebSocket server is reached by an HTTP/1.1 GET that asks to switch protocols (RFC 9110 §7.8).
 * This module decides, from the parsed head alone, whether the request is
 *   - a valid WebSocket upgrade → `101 Switching Protocols` with the accept key (and a subprotocol),
 *   - an ordinary HTTP request (no `Upgrade` header) → not ours: the application answers it,
 *   - a broken upgrade → an {@link HttpError} with the status to refuse it with (400, 405, 426 …).
 * It only decides and formats; writing the bytes belongs to the connection.
 */
import type { RequestHead } from '../02-http-head/request-head.ts';
import { headerList, headerValue } from '../02-http-head/request-head.ts';
import { computeAccept, isValidKey } from '../03-accept-key/accept-key.ts';
import { HttpError, todo } from '../../core/errors.ts';
import { REASON_PHRASES, closingHeaders } from '../../core/http.ts';

/** The only protocol version RFC 6455 defines (§4.1 item 9). */
export const WEBSOCKET_VERSION = '13';

export interface HandshakeOptions {
  /** Subprotocols this server speaks, in order of preference (e.g. `['chat']`). */
  readonly protocols?: readonly string[];
}

/** What the opening handshake decided about a request. */
export type HandshakeDecision =
  | {
      readonly kind: 'websocket';
      /** The path of the request-target, e.g. `/chat`. */
      readonly path: string;
      /** The Sec-WebSocket-Accept value. */
      readonly accept: string;
      /** The subprotocol chosen from the client's offer, or null (RFC 6455 §4.2.2 step 4, /subprotocol/; sent by step 5.5). */
      readonly protocol: string | null;
    }
  | {
      /** An ordinary HTTP request with no `Upgrade`: the application answers it. */
      readonly kind: 'http';
      readonly path: string;
    };

/** An HTTP response to serialize. */
export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/**
 * Checks a request head against RFC 6455 §4.2.1: GET, HTTP/1.1, Host, `Upgrade` containing the
 * `websocket` token, a `Connection` list containing `upgrade`, exactly one valid
 * `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`; picks a subprotocol. Throws {@link HttpError}
 * to refuse (426 with `Sec-WebSocket-Version: 13` for another version, RFC 6455 §4.2.2 step 4).
 */
export function decideHandshake(head: RequestHead, options: HandshakeOptions = {}): HandshakeDecision {
  // TODO (see the chapter's README)
  return todo('chapters/04-upgrade/handshake.ts', 'decideHandshake: check each requirement of RFC 6455 §4.2.1 in turn, throw HttpError on the first one missing');
}

/** The `101 Switching Protocols` response for an accepted upgrade (RFC 6455 §4.2.2 item 5). */
export function acceptResponse(decision: Extract<HandshakeDecision, { kind: 'websocket' }>): HttpResponse {
  // TODO (see the chapter's README)
  return todo('chapters/04-upgrade/handshake.ts', 'acceptResponse: 101 with Upgrade, Connection, Sec-WebSocket-Accept (and Sec-WebSocket-Protocol when one was chosen)');
}

/** The response refusing a handshake: the error's status and headers, a short text body saying why. */
export function refusalResponse(error: HttpError): HttpResponse {
  // TODO (see the chapter's README)
  return todo('chapters/04-upgrade/handshake.ts', 'refusalResponse: the status, error.headers, Connection: close and a text body with the reason');
}

/**
 * Serializes a response: status line, header fields, `Content-Length` when there is a body, the
 * blank line, the body (RFC 9112 §4–§6). Every line ends with CRLF.
 */
export function formatResponse(response: HttpResponse): Uint8Array {
  // TODO (see the chapter's README)
  return todo('chapters/04-upgrade/handshake.ts', 'formatResponse: "HTTP/1.1 <status> <reason>", "Name: value" lines, CRLF after each, then an empty line');
}
