/**
 * Text between the wire and the application (server/wiring/text.ts): decoding a received text
 * message, and the UTF-8 of a string sent, which reuses the bytes of the text decoded last.
 */
import { describe, expect, it } from 'vitest';
import { textOf, utf8Of } from '../../server/wiring/text.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('received text, decoded once; sent text, encoded unless it just came in', () => {
  it('a leading byte order mark is kept: an echo in string mode is byte for byte what was sent', () => {
    expect(textOf(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe('\uFEFFA');
  });

  it('sending the text decoded last writes the bytes it came in, not a new encoding', () => {
    const received = utf8('héllo wörld');
    const text = textOf(received);
    expect(utf8Of(text), 'the very bytes received').toBe(received);
    // Strings compare by value: an equal string built another way is the same text.
    expect(utf8Of(['héllo', ' wörld'].join(''))).toBe(received);
  });

  it('any other string is encoded: same length, a prefix, the empty string, another text decoded since', () => {
    const received = utf8('héllo wörld');
    textOf(received);
    for (const other of ['héllo wörle', 'héllo', '', 'Hello wörld']) {
      const bytes = utf8Of(other);
      expect(bytes, JSON.stringify(other)).not.toBe(received);
      expect(bytes, JSON.stringify(other)).toEqual(utf8(other));
    }
    const later = utf8('später');
    textOf(later);
    expect(utf8Of('héllo wörld'), 'the older text is no longer the one decoded last').not.toBe(received);
    expect(utf8Of('später')).toBe(later);
  });

  it('a text over 4 KiB is not kept: the slot never holds a large message alive', () => {
    const large = utf8('é'.repeat(4096));
    const text = textOf(large);
    const bytes = utf8Of(text);
    expect(bytes).not.toBe(large);
    expect(bytes).toEqual(large);
  });
});
