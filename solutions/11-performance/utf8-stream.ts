/**
 * Chapter 11: UTF-8 validation at native speed, still piece by piece (RFC 3629, RFC 6455 §8.1).
 *
 * Chapter 07's validator runs every byte of every text message through a state machine written in
 * JavaScript: exact, fail-fast, and slow (a few hundred MB/s on non-ASCII text). Node's
 * `isUtf8` (from `node:buffer`, native code) checks a whole run of bytes exactly, tens of times
 * faster, but it only answers for complete text: it cannot stop in the middle of a code point
 * and go on with the next piece. A fragment, and later a socket chunk, may end inside one.
 *
 * So each piece is split in three, and the state machine only sees the few bytes at the seams:
 *
 * ```
 * piece:  [ 0–3 bytes finishing the code point | whole code points ........... | 0–3 bytes starting one ]
 *           chapter 07's state machine            isUtf8, in native code          state machine, carried
 * ```
 *
 * The end of a run is found by looking back at most 3 bytes for the lead byte of the last code
 * point: if the sequence it announces does not fit, the run stops before it. Those carried bytes
 * are still pushed to a state machine at once, so `f4 90` at the end of a fragment fails now (no
 * code point above U+10FFFF can follow), and an invalid byte anywhere fails in the piece that holds
 * it: the same answer, piece for piece, as chapter 07's validator.
 */
import { isUtf8 } from 'node:buffer';
import type { Utf8Checks } from '../07-messages/assembler.ts';
import { Utf8Validator } from '../07-messages/utf8.ts';

// @remove
/** Continuation bytes are 10xxxxxx. */
const CONTINUATION_MASK = 0xc0;
const CONTINUATION_BITS = 0x80;
/** Bytes below this are ASCII: a whole code point on their own. */
const ASCII_END = 0x80;
/** A sequence is at most 4 bytes, so an unfinished one has at most 3 at the end of a piece. */
const MAX_UNFINISHED = 3;

/** How many bytes the sequence a lead byte starts has, from its high bits (110, 1110, 11110). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return lead < 0xf8 ? 4 : 1; // F8..FF start nothing: a run of 1, which isUtf8 refuses
  if (lead >= 0xe0) return 3;
  return 2;
}
// @end

/**
 * Where the unfinished code point at the end of `bytes[from..]` starts, or `bytes.length` when the
 * bytes end between code points. Only the last 3 bytes are looked at: it decides nothing about
 * validity (an invalid byte is left where it is, for the check of the run or of the carried bytes).
 */
export function unfinishedTailStart(bytes: Uint8Array, from = 0): number {
  // @solution unfinishedTailStart: look back at most 3 bytes for the last byte that is not a continuation; does its sequence fit?
  const length = bytes.length;
  const stop = Math.max(from, length - MAX_UNFINISHED);
  for (let i = length - 1; i >= stop; i--) {
    const byte = bytes[i]!;
    if ((byte & CONTINUATION_MASK) === CONTINUATION_BITS) continue;
    if (byte < ASCII_END) return length;
    return i + sequenceLength(byte) > length ? i : length;
  }
  // Only continuation bytes (or nothing) in reach: they end a sequence, or are invalid in the run.
  return length;
  // @end
}

/** Validates UTF-8 arriving in pieces, like chapter 07's validator, with whole runs checked natively. */
export class Utf8StreamValidator {
  // @remove
  /** The state machine for the code point carried across pieces, or null between code points. */
  private seam: Utf8Validator | null = null;
  /** Bytes the carried code point still needs. */
  private missing = 0;
  private failed = false;
  // @end

  /** Feeds the next piece: false as soon as the bytes so far cannot begin valid UTF-8. */
  push(bytes: Uint8Array): boolean {
    // @solution Utf8StreamValidator.push: finish the carried code point with the state machine, isUtf8 on the whole code points, carry the unfinished tail
    if (this.failed) return false;
    // 1. Finish the code point carried from the last piece, byte-exact, with the state machine.
    let start = 0;
    if (this.seam !== null) {
      start = Math.min(this.missing, bytes.length);
      if (!this.seam.push(bytes.subarray(0, start))) return this.fail();
      this.missing -= start;
      if (this.missing > 0) return true;
      this.seam = null;
    }
    // 2. The whole code points in the middle: one native call.
    const tail = unfinishedTailStart(bytes, start);
    if (!isUtf8(bytes.subarray(start, tail))) return this.fail();
    // 3. An unfinished code point at the end: into a state machine now (it may already be hopeless).
    if (tail < bytes.length) {
      this.seam = new Utf8Validator();
      if (!this.seam.push(bytes.subarray(tail))) return this.fail();
      this.missing = sequenceLength(bytes[tail]!) - (bytes.length - tail);
    }
    return true;
    // @end
  }

  /** Whether the text may end here: false when a code point is left unfinished (or a byte was invalid). */
  end(): boolean {
    // @solution Utf8StreamValidator.end: valid only when nothing failed and no code point is carried
    return !this.failed && this.seam === null;
    // @end
  }
  // @remove

  private fail(): false {
    this.failed = true;
    this.seam = null;
    return false;
  }
  // @end
}

/**
 * The checks the server's message assembler uses once this chapter is written: a message in one
 * frame with one native call, a fragmented one with a {@link Utf8StreamValidator}.
 */
export const streamUtf8Checks: Utf8Checks = {
  isValid: (bytes) => isUtf8(bytes),
  createValidator: () => new Utf8StreamValidator(),
};
