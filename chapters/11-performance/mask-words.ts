/**
 * Chapter 11: masking a word at a time (RFC 6455 §5.3).
 *
 * Chapter 05 XORs the payload one byte at a time: `data[i] ^= maskingKey[(offset + i) % 4]`. The key
 * repeats every 4 bytes, so 4 payload bytes can be XORed with the whole key in one 32-bit operation
 * (a `Uint32Array` over the payload), or 8 bytes with the key written twice in one 64-bit operation
 * (a `BigInt64Array`: once the loop is optimised, V8 compiles its `^=` to one machine XOR and makes
 * no BigInt). A word view can only start at a multiple of its size in its buffer, and a payload is a
 * view into a socket chunk that starts anywhere, so the work has three parts:
 *
 * ```
 * data:   [ head: 0–3 (0–7) bytes | words: aligned, 4 (8) bytes each ...... | tail: 0–3 (0–7) bytes ]
 *          byte by byte             one XOR per word with the rotated key     byte by byte
 * ```
 *
 * The key word is built by writing the key bytes, in the order the first aligned byte needs them,
 * into a scratch buffer of the word's size and reading it back as one word: the machine's byte
 * order is then used both ways, so the code is right on little- and big-endian machines alike.
 * Start with 4-byte words; the reference uses 8.
 *
 * Whether this wins is a measurement, not a belief: `npm run bench -- --micro` runs both on this
 * machine (the chapter's README has the figures). For a few bytes, creating the word view costs
 * more than it saves, so short payloads keep the byte loop.
 */
import { todo } from '../../core/errors.ts';


/** Below this many bytes the plain byte loop is used (see the README's measurements). */
export const WORD_MASK_THRESHOLD = 64;

/**
 * XORs `data` in place with `maskingKey`, starting at key position `offset % 4`: the same result as
 * chapter 05's `applyMask(data, maskingKey, offset)`, computed a word (4 or 8 bytes) at a time.
 */
export function applyMaskWords(data: Uint8Array, maskingKey: Uint8Array, offset = 0): void {
  // TODO (see the chapter's README)
  return todo('chapters/11-performance/mask-words.ts', 'applyMaskWords: XOR the unaligned head byte by byte, the aligned middle a word at a time (Uint32Array, or BigInt64Array), the tail byte by byte');
}
