/**
 * Chapter 10: what `send()` and `close()` accept — the rules of the browser's WebSocket API.
 *
 * An application API is a promise about misuse as much as about use. The browser's WebSocket
 * (WHATWG WebSockets Standard) answers every wrong call in a fixed way, and a server API shaped like
 * it should answer the same way, so code and habits move between the two:
 *
 * | call                               | browser answer                                   |
 * |------------------------------------|--------------------------------------------------|
 * | `send()` while CONNECTING          | throws `InvalidStateError`                       |
 * | `send()` while CLOSING or CLOSED   | nothing is sent, nothing is thrown               |
 * | `send(42)`                         | `TypeError` (here; the browser stringifies)      |
 * | `close(1001)`                      | throws `InvalidAccessError`: only 1000, 3000–4999 |
 * | `close(1000, <124 bytes of UTF-8>)`| throws `SyntaxError`: a reason fits in 123 bytes |
 *
 * Why may an application not send 1001 or 1011? RFC 6455 §7.4.1 defines 1000–1011 and 1015, and
 * the IANA registry has added 1012–1014 since: codes about the endpoint and the protocol ("going
 * away", "protocol error", "internal error", "try again later"). The server library sends those
 * itself (1001 at shutdown, 1008 for a slow consumer, 1009, 1011). An application says "done"
 * (1000) or picks its own code (§7.4.2): 3000–3999 are registered with IANA by libraries,
 * frameworks and applications, 4000–4999 are private use and cannot be registered. The reason must
 * fit, with the 2-byte code, in a control frame's 125 bytes (§5.5), counted in UTF-8 bytes.
 */
import type { CloseInfo } from '../06-closing/close.ts';
import { MAX_REASON_BYTES } from '../06-closing/close.ts';
import { ReadyState } from '../../core/ready-state.ts';
import { CloseCode } from '../../core/close-code.ts';

/** What an application may pass to `send()`. */
export type SendData = string | ArrayBuffer | ArrayBufferView;

/**
 * The message `send(data)` should queue in `readyState`: a string goes as a text message, bytes
 * (an ArrayBuffer, or any view of one: Uint8Array, Buffer, DataView …) as a binary message viewing
 * the same memory. `null` while CLOSING or CLOSED: the data is discarded, silently. Throws a
 * `DOMException` named `InvalidStateError` while CONNECTING, and a `TypeError` for anything else.
 */
export function outgoingMessage(readyState: ReadyState, data: SendData): string | Uint8Array | null {
  // @solution outgoingMessage: check the state first (CONNECTING throws, CLOSING/CLOSED discard), then dispatch on the type
  if (readyState === ReadyState.CONNECTING) {
    throw new DOMException('send() before the connection is open', 'InvalidStateError');
  }
  if (readyState !== ReadyState.OPEN) return null;
  if (typeof data === 'string') return data;
  // The common case first: a Uint8Array (a Buffer is one) is already bytes, and is sent as it is.
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`send() takes a string, an ArrayBuffer or an ArrayBufferView, not ${describe(data)}`);
  // @end
}

/**
 * Checks `close(code?, reason?)` as the browser does and gives the close frame to send:
 *
 * - `code` must be 1000 or an integer in 3000–4999, else a `DOMException` `InvalidAccessError`;
 * - `reason` must be at most 123 bytes in UTF-8, else a `DOMException` `SyntaxError`;
 * - neither given: a close frame with no status code (1005, an empty payload); a reason without a
 *   code: 1000.
 */
export function validateCloseArguments(code?: number, reason?: string): CloseInfo {
  // @solution validateCloseArguments: the code first (1000 or 3000–4999), then the reason's UTF-8 length, then the defaults
  if (code !== undefined && code !== CloseCode.Normal && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    throw new DOMException(`close code ${code} is neither 1000 nor in 3000–4999`, 'InvalidAccessError');
  }
  if (reason !== undefined && textEncoder.encode(reason).length > MAX_REASON_BYTES) {
    throw new DOMException(`a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8`, 'SyntaxError');
  }
  if (code === undefined) {
    return reason === undefined ? { code: CloseCode.NoStatusReceived, reason: '' } : { code: CloseCode.Normal, reason };
  }
  return { code, reason: reason ?? '' };
  // @end
}

// @remove
const textEncoder = new TextEncoder();

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}
// @end
