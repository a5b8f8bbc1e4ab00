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
import { todo } from '../../core/errors.ts';

/**
 * Where the unfinished code point at the end of `bytes[from..]` starts, or `bytes.length` when the
 * bytes end between code points. Only the last 3 bytes are looked at: it decides nothing about
 * validity (an invalid byte is left where it is, for the check of the run or of the carried bytes).
 */
export function unfinishedTailStart(bytes: Uint8Array, from = 0): number {
  // TODO (see the chapter's README)
  return todo('chapters/11-performance/utf8-stream.ts', 'unfinishedTailStart: look back at most 3 bytes for the last byte that is not a continuation; does its sequence fit?');
}

/** Validates UTF-8 arriving in pieces, like chapter 07's validator, with whole runs checked natively. */
export class Utf8StreamValidator {
  /** Feeds the next piece: false as soon as the bytes so far cannot begin valid UTF-8. */
  push(bytes: Uint8Array): boolean {
    // TODO (see the chapter's README)
    return todo('chapters/11-performance/utf8-stream.ts', 'Utf8StreamValidator.push: finish the carried code point with the state machine, isUtf8 on the whole code points, carry the unfinished tail');
  }

  /** Whether the text may end here: false when a code point is left unfinished (or a byte was invalid). */
  end(): boolean {
    // TODO (see the chapter's README)
    return todo('chapters/11-performance/utf8-stream.ts', 'Utf8StreamValidator.end: valid only when nothing failed and no code point is carried');
  }
}

/**
 * The checks the server's message assembler uses once this chapter is written: a message in one
 * frame with one native call, a fragmented one with a {@link Utf8StreamValidator}.
 */
export const streamUtf8Checks: Utf8Checks = {
  isValid: (bytes) => isUtf8(bytes),
  createValidator: () => new Utf8StreamValidator(),
};
