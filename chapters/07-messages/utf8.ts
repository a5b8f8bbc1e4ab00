/**
 * Chapter 07: incremental UTF-8 validation (RFC 3629 §3–§4, RFC 6455 §8.1), failing fast.
 *
 * A text message must be valid UTF-8 as a whole, but it arrives in fragments, and a code point may
 * be split between two of them. The validator keeps the state of the sequence in progress across
 * calls, so an invalid byte is reported in the fragment that contains it (the server then closes
 * with 1007 at once, without waiting for the rest of the message), while a split code point is not.
 */
import { todo } from '../wiring/errors.ts';


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
