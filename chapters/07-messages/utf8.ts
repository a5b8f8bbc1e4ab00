/**
 * Chapter 07: incremental UTF-8 validation (RFC 3629 §3–§4, RFC 6455 §8.1), failing fast.
 *
 * A text message must be valid UTF-8 as a whole, but it arrives in fragments, and a code point may
 * be split between two of them. The validator keeps the state of the sequence in progress across
 * calls, so an invalid byte is reported in the fragment that contains it (the server then closes
 * with 1007 at once, without waiting for the rest of the message), while a split code point is not.
 *
 * It is a byte-at-a-time state machine built on the Unicode Standard's Table 3-7 ("Well-Formed UTF-8
 * Byte Sequences"). The lead byte of a sequence says how many continuation bytes follow and which
 * range the *second* byte must fall in; every later continuation byte is 80..BF. The narrowed
 * second-byte ranges are what rule out, in one comparison, the three kinds of ill-formed sequence
 * that merely look right: overlong forms (E0 80..9F, F0 80..8F), surrogates U+D800..U+DFFF
 * (ED A0..BF) and code points above U+10FFFF (F4 90..BF). C0, C1 and F5..FF never start a sequence.
 *
 * ```
 *  Code points          1st byte  2nd byte  3rd byte  4th byte
 *  U+0000..U+007F       00..7F
 *  U+0080..U+07FF       C2..DF    80..BF
 *  U+0800..U+0FFF       E0        A0..BF    80..BF
 *  U+1000..U+CFFF       E1..EC    80..BF    80..BF
 *  U+D000..U+D7FF       ED        80..9F    80..BF
 *  U+E000..U+FFFF       EE..EF    80..BF    80..BF
 *  U+10000..U+3FFFF     F0        90..BF    80..BF    80..BF
 *  U+40000..U+FFFFF     F1..F3    80..BF    80..BF    80..BF
 *  U+100000..U+10FFFF   F4        80..8F    80..BF    80..BF
 * ```
 */
import { todo } from '../../core/errors.ts';


/** The range of a continuation byte: 10xxxxxx. */
const CONTINUATION_MIN = 0x80;
const CONTINUATION_MAX = 0xbf;
/** Bytes up to here are ASCII: a whole code point on their own. */
const ASCII_MAX = 0x7f;

/** What a lead byte announces: how many continuation bytes follow, and the range of the first one. */
interface Lead {
  readonly continuations: number;
  readonly secondMin: number;
  readonly secondMax: number;
}

/** Validates UTF-8 arriving in pieces. One instance per text message. */
export class Utf8Validator {
  /**
   * Feeds the next piece. Returns false as soon as the bytes so far cannot be the start of valid
   * UTF-8: an invalid byte, an overlong form, a surrogate (U+D800–U+DFFF), a code point above
   * U+10FFFF. A sequence cut at the end of the piece is fine: the next piece may finish it.
   */
  push(bytes: Uint8Array): boolean {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/utf8.ts', 'Utf8Validator.push: run each byte through the state of the sequence in progress');
  }

  /** Whether the message may end here: false when a sequence is left unfinished. */
  end(): boolean {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/utf8.ts', 'Utf8Validator.end: valid only when no multi-byte sequence is in progress');
  }
}

/** Whether `bytes` is, as a whole, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  // TODO (see the chapter's README)
  return todo('chapters/07-messages/utf8.ts', 'isValidUtf8: one validator, one push, then end');
}
