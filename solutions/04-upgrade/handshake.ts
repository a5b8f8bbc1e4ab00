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
import { HttpError } from '../../core/errors.ts';
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
  // @solution decideHandshake: check each requirement of RFC 6455 §4.2.1 in turn, throw HttpError on the first one missing
  const path = pathOf(head.target);
  // 1. Not an upgrade to WebSocket: an ordinary request (or an upgrade to another protocol, which a
  //    server may ignore, RFC 9110 §7.8). The application answers it.
  if (!hasToken(headerList(head, 'upgrade'), 'websocket')) return { kind: 'http', path };
  // 2. RFC 6455 §4.2.1 item 1: a GET, over HTTP/1.1 or later. An HTTP/1.0 request cannot be
  //    upgraded at all (RFC 9110 §7.8: a server MUST ignore its Upgrade field); it asked for
  //    WebSocket, so it gets the 400 that RFC 6455 §4.2.1 gives a handshake that does not match.
  if (head.method !== 'GET') {
    throw new HttpError(405, `a WebSocket handshake is a GET, not ${head.method}`, { Allow: 'GET' });
  }
  if (!/^HTTP\/1\.[1-9]$/.test(head.version)) {
    throw new HttpError(400, `a WebSocket handshake needs HTTP/1.1, not ${head.version}`);
  }
  // 3. RFC 9112 §3.2: exactly one Host field.
  const hosts = head.headers.get('host') ?? [];
  if (hosts.length !== 1) throw new HttpError(400, hosts.length === 0 ? 'the Host field is missing' : 'more than one Host field');
  // 4. RFC 6455 §4.2.1 item 4: Connection lists the upgrade option (among others, maybe).
  if (!hasToken(headerList(head, 'connection'), 'upgrade')) {
    throw new HttpError(400, 'the Connection field does not list "Upgrade"');
  }
  // 5. RFC 6455 §4.2.2 step 4 (/version/): any version but 13 gets 426 and the version this
  //    server speaks, the list §4.4 describes (and, as every 426 must, the protocol to upgrade to:
  //    RFC 9110 §15.5.22).
  const version = headerValue(head, 'sec-websocket-version');
  if (version !== WEBSOCKET_VERSION) {
    throw new HttpError(
      426,
      version === undefined ? 'the Sec-WebSocket-Version field is missing' : `unsupported Sec-WebSocket-Version ${version}`,
      { 'Sec-WebSocket-Version': WEBSOCKET_VERSION, Upgrade: 'websocket' },
    );
  }
  // 6. RFC 6455 §4.2.1 item 5: exactly one key, the base64 of 16 bytes.
  const keys = head.headers.get('sec-websocket-key') ?? [];
  if (keys.length !== 1) {
    throw new HttpError(400, keys.length === 0 ? 'the Sec-WebSocket-Key field is missing' : 'more than one Sec-WebSocket-Key field');
  }
  const key = keys[0]!;
  if (!isValidKey(key)) throw new HttpError(400, 'the Sec-WebSocket-Key is not 16 bytes in base64');
  // 7. RFC 6455 §4.2.2 step 4 (/subprotocol/): the first of our protocols that the client offered,
  //    or none; step 5.5 sends it.
  const offered = headerList(head, 'sec-websocket-protocol');
  const protocol = (options.protocols ?? []).find((candidate) => offered.includes(candidate)) ?? null;
  return { kind: 'websocket', path, accept: computeAccept(key), protocol };
  // @end
}

/** The `101 Switching Protocols` response for an accepted upgrade (RFC 6455 §4.2.2 item 5). */
export function acceptResponse(decision: Extract<HandshakeDecision, { kind: 'websocket' }>): HttpResponse {
  // @solution acceptResponse: 101 with Upgrade, Connection, Sec-WebSocket-Accept (and Sec-WebSocket-Protocol when one was chosen)
  const headers: Record<string, string> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': decision.accept,
  };
  if (decision.protocol !== null) headers['Sec-WebSocket-Protocol'] = decision.protocol;
  return { status: 101, headers };
  // @end
}

/** The response refusing a handshake: the error's status and headers, a short text body saying why. */
export function refusalResponse(error: HttpError): HttpResponse {
  // @solution refusalResponse: the status, error.headers, Connection: close and a text body with the reason
  // The TCP connection closes after a refusal; closingHeaders says so (with Upgrade too when the
  // refusal offers it, RFC 9110 §7.8).
  return {
    status: error.status,
    headers: { ...closingHeaders(error.headers), 'Content-Type': 'text/plain; charset=utf-8' },
    body: `${error.message}\n`,
  };
  // @end
}

/**
 * Serializes a response: status line, header fields, `Content-Length` when there is a body, the
 * blank line, the body (RFC 9112 §4–§6). Every line ends with CRLF.
 */
export function formatResponse(response: HttpResponse): Uint8Array {
  // @solution formatResponse: "HTTP/1.1 <status> <reason>", "Name: value" lines, CRLF after each, then an empty line
  const { status } = response;
  const body = typeof response.body === 'string' ? textEncoder.encode(response.body) : (response.body ?? new Uint8Array(0));
  // 1. The status line: RFC 9112 §4, the reason phrase may be empty but its space may not.
  let head = `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? ''}\r\n`;
  // 2. The fields. A value with CR or LF would let a caller inject header lines: refuse it.
  const fields = Object.entries(response.headers ?? {});
  for (const [name, value] of fields) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw new Error(`formatResponse: invalid header field ${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    }
    head += `${name}: ${value}\r\n`;
  }
  // 3. RFC 9110 §8.6: the body's length, so the client knows where it ends. A 1xx or 204 has no body.
  const hasLength = fields.some(([name]) => name.toLowerCase() === 'content-length');
  if (status >= 200 && status !== 204 && status !== 304 && !hasLength) head += `Content-Length: ${body.length}\r\n`;
  // 4. The empty line ends the head; the body follows.
  head += '\r\n';
  const headBytes = textEncoder.encode(head);
  const bytes = new Uint8Array(headBytes.length + body.length);
  bytes.set(headBytes, 0);
  bytes.set(body, headBytes.length);
  return bytes;
  // @end
}
// @remove

const textEncoder = new TextEncoder();


/** Whether a comma-split list holds `token`, compared case-insensitively (RFC 9110 §7.8, §7.6.1). */
function hasToken(list: readonly string[], token: string): boolean {
  return list.some((item) => item.toLowerCase() === token);
}

/** The path of a request-target: origin-form `/chat?x=1` → `/chat`; absolute-form via URL. */
function pathOf(target: string): string {
  if (target.startsWith('/')) return target.split('?')[0]!;
  try {
    return new URL(target).pathname;
  } catch {
    return target;
  }
}
// @end
