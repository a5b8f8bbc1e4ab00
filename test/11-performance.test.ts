/**
 * Chapter 11: the fast versions must give exactly the results of the plain ones. Each is compared
 * with a plain, obviously correct oracle written here (a byte loop, `buffer.isUtf8`, Buffer decoding)
 * on every small length, every alignment of the view in its buffer, every key position, and on
 * random inputs. Speed is not tested here: `npm run bench -- --micro` measures it.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyMaskWords } from '@impl/11-performance/mask-words.ts';
import { ChunkList, appendByConcat } from '@impl/11-performance/chunk-list.ts';
import { asciiPrefixLength, decodeUtf8, isValidUtf8Fast } from '@impl/11-performance/utf8-fast.ts';
import { Utf8StreamValidator, streamUtf8Checks, unfinishedTailStart } from '@impl/11-performance/utf8-stream.ts';
import { hex } from '../tools/wire/index.ts';

/** RFC 6455 §5.3, byte by byte: the oracle for masking. */
function maskOracle(data: Uint8Array, key: Uint8Array, offset: number): Uint8Array {
  return data.map((byte, i) => byte ^ key[(offset + i) % 4]!);
}

/** `length` bytes of a pattern, as a view starting `shift` bytes into a larger buffer. */
function unalignedView(length: number, shift: number, seed = 1): Uint8Array {
  const backing = new Uint8Array(length + shift + 8);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + seed * 17) & 0xff;
  return backing.subarray(shift, shift + length);
}

const KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

describe('RFC 6455 §5.3: applyMaskWords gives the byte loop’s result', () => {
  test('the RFC’s example: "Hello" masked with 37 fa 21 3d is 7f 9f 4d 51 58', () => {
    const data = new TextEncoder().encode('Hello');
    applyMaskWords(data, KEY);
    expect(hex(data), 'applyMaskWords("Hello", 37 fa 21 3d)').toBe('7f 9f 4d 51 58');
  });

  test('every length 0–80, every byte offset 0–7 in its buffer, every key position 0–5', () => {
    for (let length = 0; length <= 80; length++) {
      for (let shift = 0; shift < 8; shift++) {
        for (let offset = 0; offset < 6; offset++) {
          const data = unalignedView(length, shift);
          const expected = maskOracle(data, KEY, offset);
          applyMaskWords(data, KEY, offset);
          if (hex(data, 200) !== hex(expected, 200)) {
            expect(
              hex(data, 200),
              `applyMaskWords on ${length} bytes at byteOffset ${shift}, key position ${offset}: ` +
                `bytes differ from payload[i] ^ maskingKey[(offset + i) % 4] (RFC 6455 §5.3)`,
            ).toBe(hex(expected, 200));
          }
        }
      }
    }
  });

  test('leaves the bytes around the view untouched', () => {
    const backing = new Uint8Array(100).fill(0xaa);
    applyMaskWords(backing.subarray(3, 97), KEY, 1);
    expect(hex(backing.subarray(0, 3)), 'bytes before the view').toBe('aa aa aa');
    expect(hex(backing.subarray(97)), 'bytes after the view').toBe('aa aa aa');
  });

  test('masking twice restores the data; a payload masked in pieces equals one masked whole', () => {
    const whole = unalignedView(1000, 3, 7);
    const original = whole.slice();
    const pieces = whole.slice();
    applyMaskWords(whole, KEY);
    // Pieces of 1, 7, 100 and the rest, each continuing the key where the last stopped.
    let at = 0;
    for (const size of [1, 7, 100, 892]) {
      applyMaskWords(pieces.subarray(at, at + size), KEY, at);
      at += size;
    }
    expect(hex(pieces, 1000), 'masked in pieces with offsets 0, 1, 8, 108').toBe(hex(whole, 1000));
    applyMaskWords(whole, KEY);
    expect(hex(whole, 1000), 'masked twice').toBe(hex(original, 1000));
  });

  test('random payloads, keys, offsets and alignments (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(1 << 20),
        fc.nat(7),
        (bytes, key, offset, shift) => {
          const backing = new Uint8Array(bytes.length + shift);
          backing.set(bytes, shift);
          const data = backing.subarray(shift);
          applyMaskWords(data, key, offset);
          expect(hex(data, 4000)).toBe(hex(maskOracle(bytes, key, offset), 4000));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a Node Buffer (a Uint8Array from a socket chunk) works the same', () => {
    const chunk = Buffer.from(unalignedView(77, 0, 3));
    const payload = chunk.subarray(5);
    const expected = maskOracle(payload, KEY, 2);
    applyMaskWords(payload, KEY, 2);
    expect(hex(payload, 100)).toBe(hex(expected, 100));
  });
});

describe('ChunkList: bytes collected in pieces, joined once', () => {
  test('an empty list has length 0 and gives no bytes', () => {
    const list = new ChunkList();
    expect(list.length, 'length of a new ChunkList').toBe(0);
    expect(list.toBytes().length, 'toBytes() of a new ChunkList').toBe(0);
  });

  test('gives the same bytes as concatenating on every chunk, for any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const list = new ChunkList();
        let concatenated: Uint8Array = new Uint8Array(0);
        for (const chunk of chunks) {
          list.push(chunk);
          concatenated = appendByConcat(concatenated, chunk);
          expect(list.length, 'length after each push').toBe(concatenated.length);
        }
        expect(hex(list.toBytes(), 10_000)).toBe(hex(concatenated, 10_000));
      }),
      { numRuns: 200 },
    );
  });

  test('views into a larger buffer keep their own bytes only', () => {
    const backing = unalignedView(64, 0, 9);
    const list = new ChunkList();
    list.push(backing.subarray(3, 10));
    list.push(backing.subarray(20, 21));
    list.push(backing.subarray(40, 64));
    const expected = [...backing.subarray(3, 10), ...backing.subarray(20, 21), ...backing.subarray(40, 64)];
    expect(list.length).toBe(32);
    expect(hex(list.toBytes(), 100)).toBe(hex(Uint8Array.from(expected), 100));
  });

  test('toBytes() can be called again after more pushes', () => {
    const list = new ChunkList();
    list.push(Uint8Array.of(1, 2));
    expect(hex(list.toBytes())).toBe('01 02');
    list.push(Uint8Array.of(3));
    expect(hex(list.toBytes())).toBe('01 02 03');
  });
});

/** RFC 3629 edge cases: valid and invalid sequences the fast path must agree on. */
const EDGES: readonly (readonly [string, number[]])[] = [
  ['2-byte U+00E9', [0xc3, 0xa9]],
  ['3-byte U+20AC', [0xe2, 0x82, 0xac]],
  ['4-byte U+1F600', [0xf0, 0x9f, 0x98, 0x80]],
  ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ['byte order mark U+FEFF', [0xef, 0xbb, 0xbf]],
  ['stray continuation 80', [0x80]],
  ['overlong C0 AF', [0xc0, 0xaf]],
  ['overlong E0 80 AF', [0xe0, 0x80, 0xaf]],
  ['surrogate ED A0 80', [0xed, 0xa0, 0x80]],
  ['above U+10FFFF: F4 90 80 80', [0xf4, 0x90, 0x80, 0x80]],
  ['F5', [0xf5]],
  ['FF', [0xff]],
  ['truncated E2 82', [0xe2, 0x82]],
  ['truncated F0 9F 98', [0xf0, 0x9f, 0x98]],
];

/** `prefix` ASCII bytes, the sequence, then `suffix` ASCII bytes, placed `shift` bytes into a buffer. */
function textCase(prefix: number, sequence: readonly number[], suffix: number, shift: number): Uint8Array {
  const length = prefix + sequence.length + suffix;
  const backing = new Uint8Array(length + shift).fill(0xff); // bytes outside the view are invalid UTF-8
  const view = backing.subarray(shift, shift + length);
  for (let i = 0; i < prefix; i++) view[i] = 0x61 + (i % 26);
  view.set(sequence, prefix);
  for (let i = 0; i < suffix; i++) view[prefix + sequence.length + i] = 0x41 + (i % 26);
  return view;
}

function firstNonAscii(bytes: Uint8Array): number {
  const index = bytes.findIndex((byte) => byte >= 0x80);
  return index === -1 ? bytes.length : index;
}

describe('RFC 3629 / RFC 6455 §8.1: the UTF-8 fast paths agree with a strict validator', () => {
  test('asciiPrefixLength: every prefix 0–40, every alignment 0–7', () => {
    for (let prefix = 0; prefix <= 40; prefix++) {
      for (let shift = 0; shift < 8; shift++) {
        const withHigh = textCase(prefix, [0xc3, 0xa9], 5, shift);
        expect(asciiPrefixLength(withHigh), `asciiPrefixLength(${hex(withHigh, 60)}) at byteOffset ${shift}`).toBe(
          prefix,
        );
        const allAscii = textCase(prefix, [], 0, shift);
        expect(asciiPrefixLength(allAscii), `asciiPrefixLength of ${prefix} ASCII bytes at byteOffset ${shift}`).toBe(
          prefix,
        );
      }
    }
  });

  test('asciiPrefixLength on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }).map((b) => b.map((x) => (x % 7 === 0 ? x : x & 0x7f))), fc.nat(7), (bytes, shift) => {
        const backing = new Uint8Array(bytes.length + shift);
        backing.set(bytes, shift);
        expect(asciiPrefixLength(backing.subarray(shift)), hex(bytes, 200)).toBe(firstNonAscii(bytes));
      }),
      { numRuns: 300 },
    );
  });

  test('isValidUtf8Fast and decodeUtf8: each edge case after 0–20 ASCII bytes, before 0–5, at every alignment', () => {
    for (const [name, sequence] of EDGES) {
      for (let prefix = 0; prefix <= 20; prefix++) {
        for (const suffix of [0, 1, 5]) {
          for (let shift = 0; shift < 4; shift++) {
            const bytes = textCase(prefix, sequence, suffix, shift);
            const valid = isUtf8(bytes);
            const what = `${name} after ${prefix} ASCII bytes, before ${suffix}, at byteOffset ${shift}: ${hex(bytes, 40)}`;
            expect(isValidUtf8Fast(bytes), `isValidUtf8Fast(${what})`).toBe(valid);
            expect(decodeUtf8(bytes), `decodeUtf8(${what})`).toBe(valid ? Buffer.from(bytes).toString('utf8') : null);
          }
        }
      }
    }
  });

  test('decodeUtf8 keeps a leading byte order mark (an echo must return what was sent)', () => {
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, 0x68, 0x69);
    expect(decodeUtf8(bytes), `decodeUtf8(${hex(bytes)})`).toBe('\uFEFFhi');
  });

  test('random bytes and random text, valid or not (property)', () => {
    const encoder = new TextEncoder();
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => encoder.encode(s)),
      fc
        .tuple(fc.string({ maxLength: 40 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }))
        .map(([s, at, byte]) => {
          const bytes = encoder.encode(s);
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          return bytes;
        }),
    );
    fc.assert(
      fc.property(input, fc.nat(7), (bytes, shift) => {
        const backing = new Uint8Array(bytes.length + shift);
        backing.set(bytes, shift);
        const view = backing.subarray(shift);
        const valid = isUtf8(bytes);
        expect(isValidUtf8Fast(view), `isValidUtf8Fast(${hex(bytes, 80)})`).toBe(valid);
        expect(decodeUtf8(view), `decodeUtf8(${hex(bytes, 80)})`).toBe(valid ? Buffer.from(bytes).toString('utf8') : null);
      }),
      { numRuns: 500 },
    );
  });
});

/** Bytes that hit both ends of every range a continuation byte may be limited to (Table 3-7). */
const RANGE_ENDS = [0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf];

/**
 * The oracle for fail-fast: whether `prefix` can still begin valid UTF-8, i.e. whether some 0–3
 * more bytes make it valid as a whole (`buffer.isUtf8`). Trying the ends of each continuation range
 * is enough, because validity only depends on which range each byte falls in.
 */
function canBeginValidUtf8(prefix: Uint8Array): boolean {
  if (isUtf8(prefix)) return true;
  const tries = (more: number[]): boolean =>
    isUtf8(Uint8Array.from([...prefix, ...more])) || (more.length < 3 && RANGE_ENDS.some((byte) => tries([...more, byte])));
  return RANGE_ENDS.some((byte) => tries([byte]));
}

/**
 * Feeds `pieces` to a Utf8StreamValidator; for each push, the answer must be the oracle's for the
 * bytes so far, and `end()` must say whether the whole is valid.
 */
function expectStreamAgrees(pieces: readonly Uint8Array[], what: string): void {
  const validator = new Utf8StreamValidator();
  const sofar: number[] = [];
  const cuts = pieces.map((piece) => hex(piece, 40) || '(empty)').join(' | ');
  for (const [i, piece] of pieces.entries()) {
    sofar.push(...piece);
    const expected = canBeginValidUtf8(Uint8Array.from(sofar));
    const got = validator.push(piece);
    if (got !== expected) {
      expect(
        got,
        `${what}: push #${i + 1} of ${cuts}: the bytes so far ${expected ? 'can still begin valid UTF-8' : 'can no longer be valid UTF-8, so push must return false now (fail fast, RFC 6455 §8.1)'}`,
      ).toBe(expected);
    }
  }
  const valid = isUtf8(Uint8Array.from(sofar));
  expect(validator.end(), `${what}: end() after ${cuts}`).toBe(valid);
}

describe('RFC 3629 / RFC 6455 §8.1: Utf8StreamValidator (native runs, state machine at the seams)', () => {
  test('unfinishedTailStart: where a code point cut by the end of the bytes starts', () => {
    const cases: [number[], number][] = [
      [[], 0],
      [[0x61, 0x62], 2],
      [[0x61, 0xc3], 1],
      [[0x61, 0xc3, 0xa9], 3],
      [[0x61, 0xe2, 0x82], 1],
      [[0xf0, 0x9f, 0x98], 0],
      [[0xf0, 0x9f, 0x98, 0x80], 4],
      [[0x61, 0x80, 0x80, 0x80], 4],
      [[0xff], 1],
    ];
    for (const [input, start] of cases) {
      expect(unfinishedTailStart(Uint8Array.from(input)), `unfinishedTailStart(${hex(Uint8Array.from(input)) || 'empty'})`).toBe(start);
    }
  });

  test('each edge case after 0–20 ASCII bytes: whole, cut in two at every byte, and byte by byte', () => {
    for (const [name, sequence] of EDGES) {
      for (let prefix = 0; prefix <= 20; prefix += 1) {
        const bytes = textCase(prefix, sequence, 3, 0);
        const what = `${name} after ${prefix} ASCII bytes`;
        expectStreamAgrees([bytes], what);
        for (let cut = 0; cut <= bytes.length; cut++) expectStreamAgrees([bytes.subarray(0, cut), bytes.subarray(cut)], what);
        if (prefix < 3) expectStreamAgrees(Array.from(bytes, (byte) => Uint8Array.of(byte)), what);
      }
    }
  });

  test('fails fast: "κόσμε" then f4 90 at the end of a piece is refused by that push', () => {
    const validator = new Utf8StreamValidator();
    const piece = Uint8Array.of(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xf4, 0x90);
    expect(validator.push(piece), `push(${hex(piece)}): f4 90 can only start a code point above U+10FFFF`).toBe(false);
    expect(validator.push(Uint8Array.of(0x61)), 'and stays refused').toBe(false);
  });

  test('random bytes and random text, cut into random pieces (property)', () => {
    const encoder = new TextEncoder();
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 48 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => encoder.encode(s)),
      fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }))
        .map(([s, at, byte]) => {
          const bytes = encoder.encode(s);
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          return bytes;
        }),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cutSeeds) => {
        const cuts = [...new Set(cutSeeds.map((seed) => seed % (bytes.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...cuts, bytes.length].slice(1).map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1]!, end));
        expectStreamAgrees([bytes.subarray(0, 0), ...pieces], `random input ${hex(bytes, 80)}`);
      }),
      { numRuns: 400 },
    );
  });

  test('streamUtf8Checks: a whole message checked natively, fragments with a stream validator', () => {
    for (const [name, sequence] of EDGES) {
      const bytes = textCase(2, sequence, 2, 1);
      expect(streamUtf8Checks.isValid(bytes), `isValid(${name}: ${hex(bytes)})`).toBe(isUtf8(bytes));
      const validator = streamUtf8Checks.createValidator();
      expect(validator.push(bytes) && validator.end(), `a validator on ${name}: ${hex(bytes)}`).toBe(isUtf8(bytes));
    }
  });
});
