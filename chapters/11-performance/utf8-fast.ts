/**
 * Chapter 11: faster UTF-8 checks for text messages (RFC 3629, RFC 6455 §8.1).
 *
 * Chapter 07's validator looks at every byte through a state machine, and the assembler then
 * decodes the text a second time with a TextDecoder. Two shortcuts, each exact:
 *
 * 1. **ASCII fast path.** Most text on the wire is ASCII, and a run of ASCII bytes is valid on its
 *    own (each byte is a whole code point, between code points). Four bytes are all ASCII when
 *    their 32-bit word has none of the high bits `0x80808080` set, so the ASCII prefix is skipped a
 *    word at a time; the state machine starts at the first byte with its high bit set.
 * 2. **One pass for a whole message.** When a text message is complete (one frame, or the last
 *    fragment), a `TextDecoder` created with `fatal: true` validates and decodes in one pass of
 *    native code: it throws on exactly the sequences RFC 3629 forbids (overlong forms, surrogates,
 *    code points above U+10FFFF, truncated sequences). `ignoreBOM: true` keeps a leading U+FEFF,
 *    which the default decoder would strip, so an echo stays byte for byte what was sent.
 *
 * Fragments still need chapter 07's incremental validator: fail-fast (RFC 6455 §8.1) means deciding on each
 * fragment as it arrives, and a code point may be split between two fragments.
 */
import { Utf8Validator } from '../07-messages/utf8.ts';
import { todo } from '../../core/errors.ts';

/** The index of the first byte with its high bit set (a non-ASCII byte), or `bytes.length`. */
export function asciiPrefixLength(bytes: Uint8Array): number {
  // TODO (see the chapter's README)
  return todo('chapters/11-performance/utf8-fast.ts', 'asciiPrefixLength: bytes until 4-aligned, then 32-bit words tested against 0x80808080, then bytes');
}

/** Whether `bytes` is, as a whole, valid UTF-8: the same answer as chapter 07's `isValidUtf8`. */
export function isValidUtf8Fast(bytes: Uint8Array): boolean {
  // TODO (see the chapter's README)
  return todo('chapters/11-performance/utf8-fast.ts', 'isValidUtf8Fast: skip the ASCII prefix, then run chapter 07\'s validator on the rest');
}

/**
 * The text of a complete message, or null if it is not valid UTF-8: validation and decoding in one
 * pass. A leading byte order mark is kept.
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  // TODO (see the chapter's README)
  return todo('chapters/11-performance/utf8-fast.ts', 'decodeUtf8: a TextDecoder with fatal: true (and ignoreBOM: true), null when it throws');
}
