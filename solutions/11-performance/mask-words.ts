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

/** Below this many bytes the plain byte loop is used (see the README's measurements). */
export const WORD_MASK_THRESHOLD = 64;

// @remove
/** Bytes per word of the middle loop: a `BigInt64Array` XORs 8 at a time (the README measures 4 against 8). */
const WORD = 8;
/** Scratch space to turn the key, repeated to 8 bytes, into one 64-bit word in the machine's byte order. */
const keyBytes = new Uint8Array(WORD);
const keyWord = new BigInt64Array(keyBytes.buffer);
/** Words XORed per turn of the middle loop: the loop's own cost (a compare, a jump) is paid once per 64 bytes. */
const WORDS_PER_TURN = 8;
// @end

/**
 * XORs `data` in place with `maskingKey`, starting at key position `offset % 4`: the same result as
 * chapter 05's `applyMask(data, maskingKey, offset)`, computed a word (4 or 8 bytes) at a time.
 */
export function applyMaskWords(data: Uint8Array, maskingKey: Uint8Array, offset = 0): void {
  // @solution applyMaskWords: XOR the unaligned head byte by byte, the aligned middle a word at a time (Uint32Array, or BigInt64Array), the tail byte by byte
  const length = data.length;
  if (length < WORD_MASK_THRESHOLD) return maskBytes(data, maskingKey, offset, 0, length);

  // 1. Head: bytes until data.byteOffset + i is a multiple of 8 (a 64-bit view must start there).
  const head = (WORD - (data.byteOffset & (WORD - 1))) & (WORD - 1);
  maskBytes(data, maskingKey, offset, 0, head);

  // 2. Middle: the key rotated to the position of the first aligned byte and repeated to 8 bytes,
  //    as one 64-bit word, XORed into 8 words per turn of the loop, then into the 0–7 words left.
  //    V8 compiles a BigInt64Array's `^=` to one 64-bit XOR, with no BigInt made (once optimised).
  const words = (length - head) >>> 3;
  for (let j = 0; j < WORD; j++) keyBytes[j] = maskingKey[(offset + head + j) & 3]!;
  const key = keyWord[0]!;
  const middle = new BigInt64Array(data.buffer, data.byteOffset + head, words);
  let j = 0;
  for (const lastTurn = words - WORDS_PER_TURN; j <= lastTurn; j += WORDS_PER_TURN) {
    middle[j] ^= key;
    middle[j + 1] ^= key;
    middle[j + 2] ^= key;
    middle[j + 3] ^= key;
    middle[j + 4] ^= key;
    middle[j + 5] ^= key;
    middle[j + 6] ^= key;
    middle[j + 7] ^= key;
  }
  for (; j < words; j++) middle[j] ^= key;

  // 3. Tail: the last 0–7 bytes.
  maskBytes(data, maskingKey, offset, head + words * WORD, length);
  // @end
}
// @remove

/** The byte loop over `data[from..to)`, with the key position counted from the start of `data`. */
function maskBytes(data: Uint8Array, maskingKey: Uint8Array, offset: number, from: number, to: number): void {
  for (let i = from; i < to; i++) data[i] ^= maskingKey[(offset + i) & 3]!;
}
// @end
