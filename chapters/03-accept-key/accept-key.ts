/**
 * Sec-WebSocket-Key → Sec-WebSocket-Accept (RFC 6455 §4.2.1 item 5, §4.2.2 item 5.4).
 *
 * The client sends a random 16-byte nonce, base64-encoded. The server proves it read the request
 * (and is not, say, a cache replaying an old answer) by hashing that exact string with a fixed GUID.
 * Nothing here is secret: the point is that only a server that understands WebSocket can answer.
 */
import { createHash } from 'node:crypto';
import { todo } from '../../core/errors.ts';

/** The GUID every server appends to the key (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * Whether `key` is a valid Sec-WebSocket-Key: the base64 encoding of exactly 16 bytes
 * (RFC 6455 §4.1 item 7), i.e. 22 base64 characters followed by `==`.
 */
export function isValidKey(key: string): boolean {
  // TODO (see the chapter's README)
  return todo('chapters/03-accept-key/accept-key.ts', 'isValidKey: 16 bytes in base64 are 22 characters of the base64 alphabet then "=="');
}

/** The Sec-WebSocket-Accept value for `key`: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). */
export function computeAccept(key: string): string {
  // TODO (see the chapter's README)
  return todo('chapters/03-accept-key/accept-key.ts', 'computeAccept: SHA-1 of the key followed by WEBSOCKET_GUID, base64-encoded');
}
