/**
 * Masking (RFC 6455 §5.3): every byte of a client's payload is XORed with one byte of a 4-byte key,
 * `payload[i] ^ maskingKey[i % 4]`. XOR twice restores the data, so the same function masks and
 * unmasks.
 */
import { todo } from '../../core/errors.ts';


/**
 * XORs `data` in place with `maskingKey`, starting at key position `offset % 4` (so a payload
 * unmasked in pieces continues where the last piece stopped).
 */
export function applyMask(data: Uint8Array, maskingKey: Uint8Array, offset = 0): void {
  // TODO (see the chapter's README)
  return todo('chapters/05-frames/mask.ts', 'applyMask: XOR every byte with maskingKey[(offset + i) % 4]');
}
