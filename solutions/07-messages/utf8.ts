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
// @remove

/** Table 3-7, one row per range of lead bytes. */
const WELL_FORMED: readonly { readonly first: number; readonly last: number; readonly lead: Lead }[] = [
  { first: 0xc2, last: 0xdf, lead: { continuations: 1, secondMin: 0x80, secondMax: 0xbf } },
  { first: 0xe0, last: 0xe0, lead: { continuations: 2, secondMin: 0xa0, secondMax: 0xbf } }, // no overlong
  { first: 0xe1, last: 0xec, lead: { continuations: 2, secondMin: 0x80, secondMax: 0xbf } },
  { first: 0xed, last: 0xed, lead: { continuations: 2, secondMin: 0x80, secondMax: 0x9f } }, // no surrogate
  { first: 0xee, last: 0xef, lead: { continuations: 2, secondMin: 0x80, secondMax: 0xbf } },
  { first: 0xf0, last: 0xf0, lead: { continuations: 3, secondMin: 0x90, secondMax: 0xbf } }, // no overlong
  { first: 0xf1, last: 0xf3, lead: { continuations: 3, secondMin: 0x80, secondMax: 0xbf } },
  { first: 0xf4, last: 0xf4, lead: { continuations: 3, secondMin: 0x80, secondMax: 0x8f } }, // ≤ U+10FFFF
];

/** The table indexed by byte, built once: undefined for ASCII and for bytes that never start a sequence. */
const LEADS: readonly (Lead | undefined)[] = Array.from({ length: 256 }, (_, byte) =>
  WELL_FORMED.find((row) => byte >= row.first && byte <= row.last)?.lead,
);
// @end

/** Validates UTF-8 arriving in pieces. One instance per text message. */
export class Utf8Validator {
  // @remove
  /** Continuation bytes still expected by the sequence in progress (0: between code points). */
  private pending = 0;
  /** The range the next byte must fall in, when `pending` > 0. */
  private nextMin = CONTINUATION_MIN;
  private nextMax = CONTINUATION_MAX;
  /** Once invalid, always invalid: nothing after a bad byte can repair the message. */
  private failed = false;
  // @end

  /**
   * Feeds the next piece. Returns false as soon as the bytes so far cannot be the start of valid
   * UTF-8: an invalid byte, an overlong form, a surrogate (U+D800–U+DFFF), a code point above
   * U+10FFFF. A sequence cut at the end of the piece is fine: the next piece may finish it.
   */
  push(bytes: Uint8Array): boolean {
    // @solution Utf8Validator.push: run each byte through the state of the sequence in progress
    if (this.failed) return false;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.pending === 0) {
        // Between code points: ASCII stands alone, anything else must be a lead byte.
        if (byte <= ASCII_MAX) continue;
        const lead = LEADS[byte];
        if (lead === undefined) return this.fail(); // 80..C1 (stray continuation, overlong C0/C1), F5..FF
        this.pending = lead.continuations;
        this.nextMin = lead.secondMin;
        this.nextMax = lead.secondMax;
      } else {
        // Inside a sequence: the byte must fall in the range the previous byte allowed.
        if (byte < this.nextMin || byte > this.nextMax) return this.fail();
        this.pending--;
        this.nextMin = CONTINUATION_MIN;
        this.nextMax = CONTINUATION_MAX;
      }
    }
    return true;
    // @end
  }

  /** Whether the message may end here: false when a sequence is left unfinished. */
  end(): boolean {
    // @solution Utf8Validator.end: valid only when no multi-byte sequence is in progress
    return !this.failed && this.pending === 0;
    // @end
  }
  // @remove

  private fail(): false {
    this.failed = true;
    return false;
  }
  // @end
}

/** Whether `bytes` is, as a whole, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  // @solution isValidUtf8: one validator, one push, then end
  const validator = new Utf8Validator();
  return validator.push(bytes) && validator.end();
  // @end
}
