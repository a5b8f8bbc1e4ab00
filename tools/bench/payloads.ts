/**
 * The messages the load generator sends, built and masked once before a measurement, so that
 * sending costs the client a `write` and nothing else.
 *
 * Text comes in two kinds: ASCII, the cheapest text a server can be sent, and UTF-8 made only of
 * 2-, 3- and 4-byte characters, the dearest valid text (every byte is part of a multi-byte
 * sequence, so a validator has no ASCII run to skip). Random sizes and characters come from a
 * seeded generator: every server, every round, gets the same bytes.
 */
import { Opcode } from '../../core/frame.ts';
import { clientFrame } from '../wire/frame-encoder.ts';

export type Content = 'ascii' | 'binary' | 'utf8';

/** A small seeded generator (mulberry32): numbers in [0, 1), the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Code point ranges by encoded length (RFC 3629 §3), the surrogates U+D800–U+DFFF left out of the
 * 3-byte range because they are not characters and their encoding is invalid UTF-8.
 */
const RANGES_BY_WIDTH: Readonly<Record<2 | 3 | 4, ReadonlyArray<readonly [number, number]>>> = {
  2: [[0x80, 0x7ff]],
  3: [
    [0x800, 0xd7ff],
    [0xe000, 0xffff],
  ],
  4: [[0x10000, 0x10ffff]],
};

/**
 * Exactly `size` bytes of valid UTF-8 in random 2-, 3- and 4-byte characters. A last byte that no
 * multi-byte character fits in is an ASCII letter.
 */
export function nonAsciiText(size: number, random: () => number): Uint8Array {
  const text = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const left = size - at;
    if (left === 1) {
      text[at++] = 0x61;
      break;
    }
    const width = (2 + Math.floor(random() * Math.min(3, left - 1))) as 2 | 3 | 4;
    const ranges = RANGES_BY_WIDTH[width];
    const [low, high] = ranges[Math.floor(random() * ranges.length)]!;
    at = encodeCodePoint(low + Math.floor(random() * (high - low + 1)), width, text, at);
  }
  return text;
}

/**
 * Writes a code point as `width` bytes of UTF-8 (RFC 3629 §3): a lead byte with `width` high bits
 * set, then continuation bytes `10xxxxxx` of 6 bits each, the highest bits first. Returns the end.
 */
function encodeCodePoint(codePoint: number, width: 2 | 3 | 4, into: Uint8Array, at: number): number {
  const leadMarker = { 2: 0xc0, 3: 0xe0, 4: 0xf0 }[width];
  into[at] = leadMarker | (codePoint >> (6 * (width - 1)));
  for (let i = 1; i < width; i++) into[at + i] = 0x80 | ((codePoint >> (6 * (width - 1 - i))) & 0x3f);
  return at + width;
}

export function payloadOf(content: Content, size: number, random: () => number): Uint8Array {
  if (content === 'utf8') return nonAsciiText(size, random);
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = content === 'ascii' ? 97 + (i % 26) : (i * 31) & 0xff;
  return payload;
}

export interface Message {
  readonly opcode: number;
  readonly payload: Uint8Array;
  /** The whole masked frame, as it goes on the wire. */
  readonly frame: Uint8Array;
}

/** How many different messages a scenario with random sizes cycles through. */
const RANDOM_SIZE_MESSAGES = 64;

/**
 * The messages of a scenario: one of `size` bytes, or, with `randomSizes`, a set of messages with
 * sizes spread evenly at random over 0…`size`.
 */
export function messagesFor(content: Content, size: number, randomSizes: boolean): Message[] {
  const random = seededRandom(14);
  const opcode = content === 'binary' ? Opcode.Binary : Opcode.Text;
  const sizes = randomSizes ? Array.from({ length: RANDOM_SIZE_MESSAGES }, () => Math.floor(random() * (size + 1))) : [size];
  return sizes.map((length) => {
    const payload = payloadOf(content, length, random);
    // Masked once, with one random key, before the measurement (RFC 6455 §5.3).
    return { opcode, payload, frame: clientFrame({ opcode, payload }) };
  });
}

/**
 * One text message of `fragments` bytes sent as `fragments` frames of one byte each (RFC 6455
 * §5.4): a Text frame without FIN, continuations without FIN, a final continuation. The frames are
 * 7 bytes each (2 header, 4 masking key, 1 payload), built as three frames and a repeated middle.
 */
export function fragmentFlood(fragments: number): Uint8Array {
  if (fragments < 2) throw new Error('a fragmented message has at least 2 fragments');
  const letter = new Uint8Array([0x61]);
  const first = clientFrame({ opcode: Opcode.Text, fin: false, payload: letter });
  const middle = clientFrame({ opcode: Opcode.Continuation, fin: false, payload: letter });
  const last = clientFrame({ opcode: Opcode.Continuation, fin: true, payload: letter });
  const flood = Buffer.alloc(first.length + middle.length * (fragments - 2) + last.length);
  flood.set(first, 0);
  // Buffer#fill with a buffer value repeats it over the range.
  flood.fill(middle, first.length, flood.length - last.length);
  flood.set(last, flood.length - last.length);
  return flood;
}
