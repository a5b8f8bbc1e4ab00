/**
 * Chapter 07: messages. Fragmentation (RFC 6455 §5.4) and UTF-8 validation that fails fast (§8.1),
 * first at the layer's functions, then on the wire against the echo server.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../core/frame.ts';
import { Opcode } from '../core/frame.ts';
import type { Message } from '@impl/07-messages/assembler.ts';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_MESSAGE_LENGTH, MessageAssembler } from '@impl/07-messages/assembler.ts';
import { Utf8Validator, isValidUtf8 } from '@impl/07-messages/utf8.ts';
import { ProtocolError } from '../core/errors.ts';
import { collectGarbage } from '../tools/bench/pressure.ts';
import { closeTestServers, startTestServer } from './helpers/server.ts';
import type { RawClient } from '../tools/wire/index.ts';
import { PROMPT_SILENCE_MS, clientFrame, hex, openWebSocket } from '../tools/wire/index.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A text message as the assembler passes it on: the UTF-8 bytes of `text`, validated, not decoded. */
const textMessage = (text: string): Message => ({ type: 'text', data: utf8(text) });
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
/** "κόσμε", the classic test string: 2- and 3-byte sequences. */
const KOSME = bytes(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5);
/** U+1F600 😀, a 4-byte sequence. */
const GRINNING = bytes(0xf0, 0x9f, 0x98, 0x80);

// ───────────────────────────── UTF-8 validation ─────────────────────────────

const VALID: [string, Uint8Array][] = [
  ['the empty string', bytes()],
  ['ASCII "Hello"', utf8('Hello')],
  ['"κόσμε" (2- and 3-byte sequences)', KOSME],
  ['U+0000 and U+007F, the 1-byte boundaries', bytes(0x00, 0x7f)],
  ['U+0080 (c2 80), the first 2-byte code point', bytes(0xc2, 0x80)],
  ['U+07FF (df bf), the last 2-byte code point', bytes(0xdf, 0xbf)],
  ['U+0800 (e0 a0 80), the first 3-byte code point', bytes(0xe0, 0xa0, 0x80)],
  ['U+D7FF (ed 9f bf), just below the surrogates', bytes(0xed, 0x9f, 0xbf)],
  ['U+E000 (ee 80 80), just above the surrogates', bytes(0xee, 0x80, 0x80)],
  ['U+FFFE (ef bf be), a noncharacter but valid UTF-8', bytes(0xef, 0xbf, 0xbe)],
  ['U+FFFF (ef bf bf), a noncharacter but valid UTF-8', bytes(0xef, 0xbf, 0xbf)],
  ['U+10000 (f0 90 80 80), the first 4-byte code point', bytes(0xf0, 0x90, 0x80, 0x80)],
  ['U+1F600 (f0 9f 98 80)', GRINNING],
  ['U+10FFFF (f4 8f bf bf), the last code point', bytes(0xf4, 0x8f, 0xbf, 0xbf)],
  ['U+FEFF (ef bb bf), a byte order mark', bytes(0xef, 0xbb, 0xbf, 0x41)],
];

const INVALID: [string, Uint8Array][] = [
  ['a lone continuation byte 80', bytes(0x80)],
  ['a lone continuation byte bf after ASCII', bytes(0x41, 0xbf)],
  ['overlong "/" as c0 af', bytes(0xc0, 0xaf)],
  ['overlong NUL as c0 80', bytes(0xc0, 0x80)],
  ['overlong U+007F as c1 bf', bytes(0xc1, 0xbf)],
  ['overlong U+07FF as e0 9f bf', bytes(0xe0, 0x9f, 0xbf)],
  ['overlong U+FFFF as f0 8f bf bf', bytes(0xf0, 0x8f, 0xbf, 0xbf)],
  ['the surrogate U+D800 (ed a0 80)', bytes(0xed, 0xa0, 0x80)],
  ['the surrogate U+DFFF (ed bf bf)', bytes(0xed, 0xbf, 0xbf)],
  ['a surrogate pair encoded as two 3-byte sequences (CESU-8)', bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80)],
  ['U+110000 (f4 90 80 80), above the last code point', bytes(0xf4, 0x90, 0x80, 0x80)],
  ['f5, a lead byte for code points above U+10FFFF', bytes(0xf5, 0x80, 0x80, 0x80)],
  ['the byte fe, never in UTF-8', bytes(0xfe)],
  ['the byte ff, never in UTF-8', bytes(0xff)],
  ['"κόσμε" then an invalid byte', Uint8Array.from([...KOSME, 0xff])],
  ['a 3-byte sequence interrupted by ASCII', bytes(0xe1, 0xbd, 0x41)],
  ['a truncated 2-byte sequence (c2)', bytes(0xc2)],
  ['a truncated 3-byte sequence (e0 a0)', bytes(0xe0, 0xa0)],
  ['a truncated 4-byte sequence (f0 9f 98)', bytes(0xf0, 0x9f, 0x98)],
  ['"κόσμε" then a truncated sequence', Uint8Array.from([...KOSME, 0xce])],
];

/** Feeds the pieces to one validator: true only if every push and the end accept them. */
function validate(pieces: Uint8Array[]): boolean {
  const validator = new Utf8Validator();
  let ok = true;
  for (const piece of pieces) ok = validator.push(piece) && ok;
  return validator.end() && ok;
}

const byteByByte = (input: Uint8Array): Uint8Array[] => Array.from(input, (b) => bytes(b));

/** The reference answer: the WHATWG decoder in fatal mode follows the same Table 3-7. */
function referenceValid(input: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}

describe.concurrent('RFC 6455 §8.1: UTF-8 validation (Unicode Table 3-7)', () => {
  describe.each(VALID)('valid: %s', (_name, input) => {
    it(`is accepted whole, by isValidUtf8 and byte by byte`, () => {
      const context = `bytes: ${hex(input) || '(none)'}: valid UTF-8, so a text message may carry them`;
      expect(isValidUtf8(input), `isValidUtf8 said false\n${context}`).toBe(true);
      expect(validate([input]), `Utf8Validator: one push then end() said false\n${context}`).toBe(true);
      expect(
        validate(byteByByte(input)),
        `Utf8Validator fed one byte per push said false: is the state of a sequence kept between pushes?\n${context}`,
      ).toBe(true);
    });
  });

  describe.each(INVALID)('invalid: %s', (_name, input) => {
    it('is refused whole, by isValidUtf8 and byte by byte', () => {
      const context = `bytes: ${hex(input)}: not well-formed UTF-8 (overlong forms, surrogates, code points above U+10FFFF and truncated sequences are all invalid)`;
      expect(isValidUtf8(input), `isValidUtf8 said true\n${context}`).toBe(false);
      expect(validate([input]), `Utf8Validator: one push then end() accepted it\n${context}`).toBe(false);
      expect(validate(byteByByte(input)), `Utf8Validator fed one byte per push accepted it\n${context}`).toBe(false);
    });
  });

  it('fails fast: push returns false on the piece holding the first invalid byte', () => {
    const cases: [string, Uint8Array[]][] = [
      ['"κόσμε", then ff', [KOSME, bytes(0xff)]],
      ['f4, then 90 (the second byte already rules out ≤ U+10FFFF)', [bytes(0xf4), bytes(0x90)]],
      ['ed, then a0 (the second byte already makes a surrogate)', [bytes(0xed), bytes(0xa0)]],
      ['e0, then 80 (the second byte already makes an overlong form)', [bytes(0xe0), bytes(0x80)]],
      ['f0, then 8f (the second byte already makes an overlong form)', [bytes(0xf0), bytes(0x8f)]],
    ];
    for (const [name, pieces] of cases) {
      const validator = new Utf8Validator();
      const last = pieces.length - 1;
      pieces.forEach((piece, i) => {
        const expected = i < last;
        expect(
          validator.push(piece),
          `${name}: push #${i + 1} (${hex(piece)}) should return ${expected}: the server must close with 1007 as soon as a fragment shows invalid UTF-8 (RFC 6455 §8.1), without waiting for the sequence or the message to end`,
        ).toBe(expected);
      });
    }
  });

  it('keeps a code point split between pushes, and end() refuses a message cut inside one', () => {
    const validator = new Utf8Validator();
    expect(validator.push(GRINNING.subarray(0, 2)), 'push(f0 9f): the rest of U+1F600 may come next').toBe(true);
    expect(validator.end(), 'end() after f0 9f: the message would end inside a code point').toBe(false);
    expect(validator.push(GRINNING.subarray(2)), 'push(98 80) completes U+1F600 (f0 9f 98 80)').toBe(true);
    expect(validator.end(), 'end() after f0 9f 98 80: a complete code point').toBe(true);
  });

  it('stays invalid after an invalid byte: nothing later repairs the message', () => {
    const validator = new Utf8Validator();
    expect(validator.push(bytes(0xff)), 'push(ff)').toBe(false);
    expect(validator.push(utf8('abc')), 'push("abc") after ff: the bytes so far are still invalid').toBe(false);
    expect(validator.end(), 'end() after ff').toBe(false);
  });

  it('agrees with a strict decoder on any bytes, cut into any pieces (property test)', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 12 })
        .map((points) => utf8(String.fromCodePoint(...points.filter((p) => p < 0xd800 || p > 0xdfff)))),
      fc.array(fc.constantFrom(...VALID.map(([, v]) => v), ...INVALID.map(([, v]) => v)), { maxLength: 4 }).map(
        (parts) => Uint8Array.from(parts.flatMap((p) => [...p])),
      ),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 6 }), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let from = 0;
        for (const point of [...points, data.length]) {
          pieces.push(data.subarray(from, point));
          from = point;
        }
        const expected = referenceValid(data);
        const got = validate(pieces);
        if (got !== expected) {
          throw new Error(
            `bytes ${hex(data)} pushed as ${pieces.map((p) => `[${hex(p)}]`).join(' ')}: validator said ${got}, but they are ${expected ? 'valid' : 'invalid'} UTF-8`,
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ───────────────────────────── the assembler ─────────────────────────────

function frame(opcode: number, payload: Uint8Array | string, fin = true): Frame {
  return {
    fin,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode,
    masked: true,
    payload: typeof payload === 'string' ? utf8(payload) : payload,
  };
}

const OPCODES: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary' };
const describeFrame = (f: Frame): string =>
  `${OPCODES[f.opcode] ?? f.opcode}${f.fin ? ' FIN' : ''} [${hex(f.payload) || 'empty'}]`;

/** Pushes every frame; returns what each push returned. A throw is reported with the frames so far. */
function pushAll(assembler: MessageAssembler, frames: Frame[]): (Message | null)[] {
  return frames.map((f, i) => {
    try {
      return assembler.push(f);
    } catch (error) {
      throw new Error(
        `push #${i + 1} threw ${String(error)}\nframes pushed: ${frames.slice(0, i + 1).map(describeFrame).join(', ')}`,
      );
    }
  });
}

/** Pushes `frames`; the push of frame `at` (0-based) must throw a ProtocolError with `code`. */
function expectRefused(frames: Frame[], at: number, code: number, why: string, options = {}): void {
  const assembler = new MessageAssembler(options);
  const sent = frames.map(describeFrame).join(', ');
  frames.forEach((f, i) => {
    let thrown: unknown = null;
    let result: Message | null = null;
    try {
      result = assembler.push(f);
    } catch (error) {
      thrown = error;
    }
    const context = `frames pushed: ${sent}\nexpected push #${at + 1} to throw a ProtocolError with code ${code}: ${why}`;
    if (i < at) {
      if (thrown !== null) throw new Error(`push #${i + 1} threw ${String(thrown)} too early\n${context}`);
      return;
    }
    if (i > at) return;
    if (thrown === null) {
      throw new Error(`push #${i + 1} returned ${JSON.stringify(result)} instead of throwing\n${context}`);
    }
    expect(thrown, `push #${i + 1} threw ${String(thrown)}, not a ProtocolError\n${context}`).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code, `push #${i + 1} threw a ProtocolError with the wrong code\n${context}`).toBe(code);
  });
}

describe.concurrent('RFC 6455 §5.4: reassembling fragments (MessageAssembler)', () => {
  it('§5.7: a single-frame text message, and the fragmented "Hello" (01 03 48 65 6c, 80 02 6c 6f)', () => {
    const single = new MessageAssembler();
    expect(pushAll(single, [frame(Opcode.Text, 'Hello')])).toEqual([textMessage('Hello')]);

    const assembler = new MessageAssembler();
    expect(assembler.inProgress, 'inProgress before any frame').toBe(false);
    expect(assembler.push(frame(Opcode.Text, 'Hel', false)), 'push(text no-FIN "Hel"): message unfinished').toBeNull();
    expect(assembler.inProgress, 'inProgress after the first fragment').toBe(true);
    expect(assembler.bufferedLength, 'bufferedLength after the 3-byte first fragment "Hel"').toBe(3);
    expect(assembler.push(frame(Opcode.Continuation, 'lo')), 'push(continuation FIN "lo")').toEqual(textMessage('Hello'));
    expect(assembler.inProgress, 'inProgress after the final fragment').toBe(false);
    expect(assembler.bufferedLength, 'bufferedLength once the message is complete').toBe(0);
  });

  it('joins binary fragments, empty ones included, into one message', () => {
    const assembler = new MessageAssembler();
    const results = pushAll(assembler, [
      frame(Opcode.Binary, bytes(1, 2), false),
      frame(Opcode.Continuation, bytes(), false),
      frame(Opcode.Continuation, bytes(3), false),
      frame(Opcode.Continuation, bytes(0xff, 0x00)),
    ]);
    expect(results.slice(0, 3), 'no message before the final fragment').toEqual([null, null, null]);
    const message = results[3]!;
    expect(message?.type).toBe('binary');
    expect(hex(message!.data), 'binary message bytes').toBe('01 02 03 ff 00');
  });

  it('accepts empty messages: a single empty frame, and empty fragments only', () => {
    expect(pushAll(new MessageAssembler(), [frame(Opcode.Text, '')])).toEqual([textMessage('')]);
    const fragmented = pushAll(new MessageAssembler(), [
      frame(Opcode.Text, '', false),
      frame(Opcode.Continuation, '', false),
      frame(Opcode.Continuation, ''),
    ]);
    expect(fragmented[2], 'an empty fragmented text message').toEqual(textMessage(''));
    const binary = pushAll(new MessageAssembler(), [frame(Opcode.Binary, bytes())])[0];
    expect(binary?.type).toBe('binary');
    expect(binary?.data.length).toBe(0);
  });

  it('accepts a code point split across fragments (f0 9f | 98 80)', () => {
    const results = pushAll(new MessageAssembler(), [
      frame(Opcode.Text, Uint8Array.from([0x61, ...GRINNING.subarray(0, 2)]), false),
      frame(Opcode.Continuation, Uint8Array.from([...GRINNING.subarray(2), 0x62])),
    ]);
    expect(
      results[1],
      `got ${JSON.stringify(results[1])}; each fragment alone is not complete UTF-8, the message is: validate the message, not each fragment, ` +
        'and pass the joined bytes on',
    ).toEqual(textMessage('a\u{1F600}b'));
  });

  it('passes text on as its bytes, a leading byte order mark (ef bb bf) included', () => {
    const [message] = pushAll(new MessageAssembler(), [frame(Opcode.Text, bytes(0xef, 0xbb, 0xbf, 0x41))]);
    expect(
      message?.data instanceof Uint8Array,
      `got ${JSON.stringify(message?.data)}: Message.data is a Uint8Array for text too, the validated bytes. The application layer decodes them (chapter 10), or sends them on as they came`,
    ).toBe(true);
    expect(hex(message!.data), 'the bytes of U+FEFF "A", exactly as they came').toBe('ef bb bf 41');
  });

  it('starts each message afresh: type, fragments and UTF-8 state do not leak into the next', () => {
    const assembler = new MessageAssembler();
    const results = pushAll(assembler, [
      frame(Opcode.Text, 'Hel', false),
      frame(Opcode.Continuation, 'lo'),
      frame(Opcode.Binary, bytes(0xff, 0xfe)),
      frame(Opcode.Binary, bytes(1), false),
      frame(Opcode.Continuation, bytes(2)),
      frame(Opcode.Text, bytes(0xce), false),
      frame(Opcode.Continuation, bytes(0xba)),
      frame(Opcode.Text, 'x'),
    ]);
    expect(results[1]).toEqual(textMessage('Hello'));
    expect(results[2]?.type, 'ff fe as a binary message: binary data is never checked as UTF-8').toBe('binary');
    expect(hex(results[2]!.data)).toBe('ff fe');
    expect(results[4]?.type).toBe('binary');
    expect(hex(results[4]!.data), 'the second binary message holds only its own fragments').toBe('01 02');
    expect(results[6]).toEqual(textMessage('κ'));
    expect(results[7]).toEqual(textMessage('x'));
  });

  it('joins many small fragments in linear time (50 000 fragments of 64 bytes)', () => {
    const assembler = new MessageAssembler({ maxFragments: 50_000 });
    const piece = utf8('0123456789abcdef'.repeat(4));
    const count = 50_000;
    const budget = 1500;
    const started = performance.now();
    expect(assembler.push(frame(Opcode.Text, piece, false))).toBeNull();
    let pushed = 1;
    // The loop is synchronous, so no test timeout could stop it: it stops itself past the budget.
    while (pushed < count - 1 && performance.now() - started < budget) {
      assembler.push(frame(Opcode.Continuation, piece, false));
      pushed++;
    }
    const message = pushed === count - 1 ? assembler.push(frame(Opcode.Continuation, piece)) : null;
    const elapsed = performance.now() - started;
    expect(
      message === null ? `${pushed} of ${count} fragments pushed in ${budget} ms` : `all ${count} in ${elapsed < budget ? 'time' : `${elapsed.toFixed(0)} ms`}`,
      `a ${count * 64}-byte text message in ${count} fragments of 64 bytes: keep the fragments in a list and join them once at the end ` +
        '(appending each fragment to a growing buffer, or to a growing string, copies the whole message again for every fragment)',
    ).toBe(`all ${count} in time`);
    expect(message?.type).toBe('text');
    expect(message?.data.length).toBe(count * 64);
  });
});

describe.concurrent('RFC 6455 §5.4: refused fragment sequences (1002)', () => {
  it('a continuation frame with no message to continue', () => {
    expectRefused([frame(Opcode.Continuation, 'lo')], 0, 1002, 'there is no fragmented message in progress');
    expectRefused(
      [frame(Opcode.Text, 'done'), frame(Opcode.Continuation, 'more')],
      1,
      1002,
      'the text frame had FIN set, so its message was complete',
    );
  });

  it('a new text or binary frame inside an unfinished message', () => {
    expectRefused(
      [frame(Opcode.Text, 'Hel', false), frame(Opcode.Text, 'lo')],
      1,
      1002,
      'fragments of one message are continuation frames; a new message cannot start before the last one ends',
    );
    expectRefused(
      [frame(Opcode.Binary, bytes(1), false), frame(Opcode.Binary, bytes(2), false)],
      1,
      1002,
      'a new binary frame inside an unfinished binary message',
    );
  });
});

describe.concurrent('RFC 6455 §8.1: text must be UTF-8 (1007), failing fast', () => {
  it('invalid UTF-8 in a single-frame text message', () => {
    expectRefused(
      [frame(Opcode.Text, Uint8Array.from([...KOSME, 0xed, 0xa0, 0x80, 0x65]))],
      0,
      1007,
      '"κόσμε" then ed a0 80, the surrogate U+D800',
    );
  });

  it('invalid UTF-8 in the first fragment: refused right away, before the message ends', () => {
    expectRefused([frame(Opcode.Text, bytes(0x41, 0xff), false)], 0, 1007, 'ff is never valid UTF-8');
    expectRefused(
      [frame(Opcode.Text, bytes(0x41, 0xf4, 0x90), false)],
      0,
      1007,
      'f4 90 can only begin a code point above U+10FFFF: the fragment already shows it',
    );
  });

  it('invalid UTF-8 in a middle fragment, and one only visible across fragments', () => {
    expectRefused(
      [frame(Opcode.Text, 'ok', false), frame(Opcode.Continuation, bytes(0xc0, 0x80), false), frame(Opcode.Continuation, 'x')],
      1,
      1007,
      'c0 80 is an overlong NUL',
    );
    expectRefused(
      [frame(Opcode.Text, bytes(0x41, 0xed), false), frame(Opcode.Continuation, bytes(0xa0, 0x80))],
      1,
      1007,
      'ed | a0 80 is the surrogate U+D800, split across two fragments',
    );
  });

  it('a text message that ends inside a code point', () => {
    expectRefused(
      [frame(Opcode.Text, bytes(0x41, 0xf0, 0x9f), false), frame(Opcode.Continuation, bytes(0x98))],
      1,
      1007,
      'f0 9f 98 is three bytes of a four-byte sequence, and FIN says the message is over',
    );
    expectRefused(
      [frame(Opcode.Text, bytes(0xce), false), frame(Opcode.Continuation, bytes())],
      1,
      1007,
      'ce opens a two-byte sequence; the empty final fragment adds no byte, yet FIN ends the message inside the sequence',
    );
  });

  it('binary messages are never checked as UTF-8', () => {
    const results = pushAll(new MessageAssembler(), [
      frame(Opcode.Binary, bytes(0xff, 0xc0), false),
      frame(Opcode.Continuation, bytes(0xed, 0xa0, 0x80)),
    ]);
    expect(hex(results[1]!.data)).toBe('ff c0 ed a0 80');
  });
});

describe.concurrent('RFC 6455 §10.4: the message size limit (1009)', () => {
  it('defaults to 64 MiB', () => {
    expect(DEFAULT_MAX_MESSAGE_LENGTH).toBe(64 * 1024 * 1024);
  });

  it('counts every fragment of the message, not each frame alone', () => {
    expectRefused(
      [frame(Opcode.Binary, new Uint8Array(6), false), frame(Opcode.Continuation, new Uint8Array(5))],
      1,
      1009,
      'limit 10 bytes: 6 + 5 = 11, though each frame alone is under the limit',
      { maxMessageLength: 10 },
    );
    expectRefused(
      [frame(Opcode.Text, 'abcdef', false), frame(Opcode.Continuation, 'ghijk', false)],
      1,
      1009,
      'limit 10 bytes: refused when the fragment that crosses it arrives, before the final fragment',
      { maxMessageLength: 10 },
    );
    expectRefused([frame(Opcode.Binary, new Uint8Array(11))], 0, 1009, 'limit 10 bytes: a single 11-byte frame', {
      maxMessageLength: 10,
    });
  });

  it('allows a message of exactly the limit, and counts each message on its own', () => {
    const assembler = new MessageAssembler({ maxMessageLength: 10 });
    const results = pushAll(assembler, [
      frame(Opcode.Binary, new Uint8Array(6), false),
      frame(Opcode.Continuation, new Uint8Array(4)),
      frame(Opcode.Text, 'abcde', false),
      frame(Opcode.Continuation, 'fghij'),
      frame(Opcode.Binary, new Uint8Array(10)),
    ]);
    expect(results[1]?.data.length, 'a 10-byte message with a 10-byte limit').toBe(10);
    expect(results[3], 'the next message starts counting from zero').toEqual(textMessage('abcdefghij'));
    expect(results[4]?.data.length).toBe(10);
  });
});

describe.concurrent('RFC 6455 §5.4, §8.1: a frame whose payload arrives in pieces (startFrame, pushPayload, endFrame)', () => {
  it('gives the message push would give: one frame in pieces, and fragments in pieces', () => {
    const assembler = new MessageAssembler();
    assembler.startFrame(Opcode.Text, true, 6);
    for (const piece of [bytes(0x61, 0xf0), bytes(0x9f, 0x98), bytes(0x80, 0x62)]) assembler.pushPayload(piece);
    expect(assembler.endFrame(), 'text frame a 😀 b in three pieces, the emoji split twice').toEqual(textMessage('a\u{1F600}b'));
    assembler.startFrame(Opcode.Binary, false, 2);
    assembler.pushPayload(bytes(1));
    assembler.pushPayload(bytes(2));
    expect(assembler.endFrame(), 'first fragment done, FIN clear').toBeNull();
    expect(assembler.push(frame(Opcode.Continuation, bytes(3))), 'the final fragment, pushed whole').toEqual({ type: 'binary', data: bytes(1, 2, 3) });
  });

  it('fails fast inside a frame: invalid UTF-8 in the first piece throws 1007 at once', () => {
    const assembler = new MessageAssembler();
    assembler.startFrame(Opcode.Text, true, 1 << 20);
    let thrown: unknown = null;
    try {
      assembler.pushPayload(Uint8Array.from([...KOSME, 0xed, 0xa0, 0x80]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'the first piece of a 1 MiB text frame holds ed a0 80 (U+D800): refused now, not when the frame ends (RFC 6455 §8.1)').toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(1007);
  });

  it('sets aside room for the bytes received, not for the length a header announces', () => {
    // A header alone may announce 64 MiB and nothing follow: eight such frames must not cost 512 MiB.
    const MiB = 1024 * 1024;
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const waiting = Array.from({ length: 8 }, () => {
      const assembler = new MessageAssembler({ maxMessageLength: 128 * MiB });
      assembler.startFrame(Opcode.Binary, true, 64 * MiB);
      return assembler;
    });
    collectGarbage();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(
      grown,
      `8 frames each announcing 64 MiB, none of their payload sent yet: buffer memory grew by ${(grown / MiB).toFixed(1)} MiB; ` +
        'size the buffer from the bytes that came (doubling as they come), not from the announced length',
    ).toBeLessThan(8 * MiB);
    expect(waiting.every((assembler) => assembler.bufferedLength === 0)).toBe(true);
  });

  it('joins a message that came in pieces into a buffer from the `allocate` option, writing every byte of it', () => {
    // The server passes an allocation that is not zeroed: a byte left unwritten would show old memory.
    const made: Uint8Array[] = [];
    const allocate = (length: number): Uint8Array => {
      const buffer = new Uint8Array(length).fill(0xee);
      made.push(buffer);
      return buffer;
    };
    const assembler = new MessageAssembler({ allocate });
    const fragments = [0x11, 0x22, 0x33].map((value) => new Uint8Array(5000).fill(value));
    assembler.push({ ...frame(Opcode.Binary, fragments[0]!), fin: false });
    assembler.push({ ...frame(Opcode.Continuation, fragments[1]!), fin: false });
    const message = assembler.push(frame(Opcode.Continuation, fragments[2]!));
    expect(message?.data.length, 'a message of 3 fragments of 5,000 bytes').toBe(15_000);
    expect(
      made.some((buffer) => buffer.buffer === message!.data.buffer),
      'the joined message should be in a buffer the allocate option made (the server passes one that skips zeroing)',
    ).toBe(true);
    expect(message!.data.indexOf(0xee), 'a byte of the allocated buffer was left unwritten').toBe(-1);
    expect(message!.data, 'the fragments in order').toEqual(Uint8Array.from([...fragments[0]!, ...fragments[1]!, ...fragments[2]!]));
  });

  it('refuses from the header alone: 1009 past the limit, 1002 for a continuation with nothing to continue', () => {
    expect(() => new MessageAssembler({ maxMessageLength: 10 }).startFrame(Opcode.Binary, true, 11), 'an 11-byte frame, limit 10').toThrow(ProtocolError);
    expect(() => new MessageAssembler().startFrame(Opcode.Continuation, true, 1), 'a continuation first').toThrow(ProtocolError);
  });
});

describe.concurrent('RFC 6455 §7.4.1: the fragment limit (1008)', () => {
  it('defaults to 16 384 fragments', () => {
    expect(DEFAULT_MAX_FRAGMENTS).toBe(16_384);
  });

  it('maxFragments 4: a message in 4 frames passes, the 5th frame of one is refused before the message ends', () => {
    const four = [
      frame(Opcode.Text, 'a', false),
      frame(Opcode.Continuation, 'b', false),
      frame(Opcode.Continuation, 'c', false),
      frame(Opcode.Continuation, 'd'),
    ];
    expect(pushAll(new MessageAssembler({ maxFragments: 4 }), four)[3], 'a message in exactly 4 frames').toEqual(textMessage('abcd'));
    expectRefused(
      [...four.slice(0, 3), frame(Opcode.Continuation, '', false), frame(Opcode.Continuation, '', false)],
      4,
      1008,
      'limit 4 fragments: the 5th frame breaks the policy, however few bytes the message holds (1009 would say "too big")',
      { maxFragments: 4 },
    );
  });

  it('counts each message on its own', () => {
    const assembler = new MessageAssembler({ maxFragments: 2 });
    const results = pushAll(assembler, [
      frame(Opcode.Binary, bytes(1), false),
      frame(Opcode.Continuation, bytes(2)),
      frame(Opcode.Text, 'x', false),
      frame(Opcode.Continuation, 'y'),
    ]);
    expect(results[3], 'the second message starts counting from one again').toEqual(textMessage('xy'));
  });

  it('keeps 200 000 one-byte fragments in memory close to the payload, not one object per fragment', () => {
    // A collection forced before each reading, so that only what the assembler holds is counted.
    const count = 200_000;
    collectGarbage();
    const before = process.memoryUsage();
    // Each payload is a one-byte view into a socket-sized chunk, as the decoder hands them over.
    const chunks = Array.from({ length: 64 }, () => new Uint8Array(64 * 1024).fill(0x61));
    const frames = Array.from({ length: count }, (_, i) =>
      frame(i === 0 ? Opcode.Binary : Opcode.Continuation, chunks[i % chunks.length]!.subarray(i % 1024, (i % 1024) + 1), false),
    );
    const assembler = new MessageAssembler({ maxFragments: count + 1 });
    for (const f of frames) assembler.push(f);
    frames.length = 0;
    chunks.length = 0;
    collectGarbage();
    const after = process.memoryUsage();
    const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    // Once the frames and their chunks are dropped, what is left is what the assembler keeps, plus
    // the heap's own noise (compiled code, the test runner's buffers: up to about 4 MB seen here).
    // Keeping each fragment costs about 130 bytes apiece, 26 MB in all: far above the budget.
    const budget = 2 * count + 8 * 1024 * 1024;
    expect(
      held <= budget ? 'within budget' : `${held} bytes held (${(held / count).toFixed(0)} per fragment)`,
      `a binary message of ${count} one-byte fragments (maxFragments raised): the assembler should hold at most ` +
        `about twice the payload (${budget} bytes, with 8 MiB of slack for the heap's noise), e.g. in a buffer that doubles when full; keeping each ` +
        'fragment (a view object, and the socket chunk it points into) costs far more',
    ).toBe('within budget');
    expect(assembler.bufferedLength).toBe(count);
  });
});

// ───────────────────────────── on the wire ─────────────────────────────

const TEXT = Opcode.Text;
const BINARY = Opcode.Binary;
const CONTINUATION = Opcode.Continuation;

// Every test here runs concurrently: the unit tests are synchronous (nothing can interleave inside
// one, so the memory test still measures only itself), and the wire tests each start their own
// server and mostly wait on sockets, so the waits overlap. Their servers are closed when the file
// ends: a per-test hook cannot tell concurrent tests apart.
afterAll(closeTestServers);

async function echoClient(options = {}): Promise<RawClient> {
  const server = await startTestServer(options);
  return openWebSocket(server.port);
}

/**
 * Reads the next frame: it must be one unfragmented data frame with exactly `payload`. The echo is
 * due at once, so the read fails as soon as a header of another kind or length starts, or when
 * nothing comes for a while.
 */
async function expectMessage(client: RawClient, opcode: number, payload: Uint8Array, why: string): Promise<void> {
  const expected = `the echo: one ${OPCODES[opcode]} frame with FIN set and payload ${hex(payload) || '(empty)'}; ${why}`;
  const reply = await client.readFrame({
    silenceMs: PROMPT_SILENCE_MS,
    expect: { expected, opcodes: [opcode], payloadLength: payload.length, fin: true },
  });
  if (hex(reply.payload, 1 << 20) !== hex(payload, 1 << 20)) {
    client.fail(`got a frame with payload ${hex(reply.payload)}\nexpected ${expected}`);
  }
}

/**
 * Reads the next frame: it must be a close frame with `code`; then the server closes TCP. The close
 * is due at once: `silenceMs` (default {@link PROMPT_SILENCE_MS}) bounds the wait for it.
 */
async function expectClose(client: RawClient, code: number, why: string, silenceMs = PROMPT_SILENCE_MS): Promise<void> {
  const expected = `a close frame with code ${code} (RFC 6455 §7.4.1, §5.5.1): ${why}`;
  const reply = await client.readFrame({
    timeoutMs: 1500,
    silenceMs,
    expect: { expected, opcodes: [0x8], maxPayloadLength: 125 },
  });
  if (reply.closeCode !== code) {
    client.fail(`got a close frame with ${reply.closeCode === undefined ? 'no code' : `code ${reply.closeCode}`}\nexpected ${expected}`);
  }
  await client.expectClosed({
    timeoutMs: 1500,
    silenceMs: PROMPT_SILENCE_MS,
    only: [],
    expected: `the TCP close right after the close frame with code ${code} (RFC 6455 §7.1.7)`,
  });
}

describe.concurrent('on the wire: fragmented messages come back as one (RFC 6455 §5.4)', () => {
  it('§5.7: text "Hel" + "lo" in two frames is echoed as "Hello"', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: 'Hel', fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: 'lo' }));
    await expectMessage(client, TEXT, utf8('Hello'), 'the two fragments form one message (RFC 6455 §5.4, §5.7)');
    client.destroy();
  });

  it('text in five frames, empty fragments included', async () => {
    const client = await echoClient();
    const parts = ['', 'ab', '', 'c', ''];
    for (const [i, part] of parts.entries()) {
      await client.write(
        clientFrame({ opcode: i === 0 ? TEXT : CONTINUATION, payload: part, fin: i === parts.length - 1 }),
      );
    }
    await expectMessage(client, TEXT, utf8('abc'), 'empty fragments are legal (RFC 6455 §5.4)');
    client.destroy();
  });

  it('binary in three frames, sent in one write', async () => {
    const client = await echoClient();
    const frames = [
      clientFrame({ opcode: BINARY, payload: bytes(0x00, 0xff), fin: false }),
      clientFrame({ opcode: CONTINUATION, payload: bytes(0x80), fin: false }),
      clientFrame({ opcode: CONTINUATION, payload: bytes(0xc0, 0x01) }),
    ];
    await client.write(Uint8Array.from(frames.flatMap((f) => [...f])));
    await expectMessage(client, BINARY, bytes(0x00, 0xff, 0x80, 0xc0, 0x01), 'binary fragments joined in order');
    client.destroy();
  });

  it('an empty text message sent as two empty fragments', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: '', fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: '' }));
    await expectMessage(client, TEXT, bytes(), 'an empty message is a message');
    client.destroy();
  });

  it('a 4-byte code point split across two fragments is echoed', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: GRINNING.subarray(0, 2), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: GRINNING.subarray(2) }));
    await expectMessage(
      client,
      TEXT,
      GRINNING,
      'f0 9f | 98 80 is U+1F600 split across fragments: valid, because the message as a whole is (RFC 6455 §8.1)',
    );
    client.destroy();
  });

  it('a ping between fragments is answered at once, before the message completes', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: 'Hel', fin: false }));
    await client.write(clientFrame({ opcode: 0x9, payload: 'still there?' }));
    const pong = await client.readFrame({
      timeoutMs: 1500,
      silenceMs: PROMPT_SILENCE_MS,
      expect: {
        expected: 'a pong with the ping\'s payload "still there?" right away, before the message completes (RFC 6455 §5.4, §5.5.2)',
        opcodes: [0xa],
        payloadLength: 'still there?'.length,
      },
    });
    if (new TextDecoder().decode(pong.payload) !== 'still there?') {
      client.fail(
        'expected a pong with the ping\'s payload "still there?" right away: control frames may come between fragments and are answered at once (RFC 6455 §5.4, §5.5.2)',
      );
    }
    await client.write(clientFrame({ opcode: CONTINUATION, payload: 'lo' }));
    await expectMessage(client, TEXT, utf8('Hello'), 'the ping does not break the fragmented message');
    client.destroy();
  });
});

describe.concurrent('on the wire: broken fragment sequences close with 1002 (RFC 6455 §5.4)', () => {
  it('a continuation frame with nothing to continue', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: CONTINUATION, payload: 'lo' }));
    await expectClose(client, 1002, 'a continuation frame needs a message in progress (RFC 6455 §5.4, §7.1.7)');
  });

  it('a new text frame inside a fragmented message', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: 'Hel', fin: false }));
    await client.write(clientFrame({ opcode: TEXT, payload: 'lo' }));
    await expectClose(client, 1002, 'the next fragment must be a continuation frame (RFC 6455 §5.4)');
  });
});

describe.concurrent('on the wire: invalid UTF-8 closes with 1007, failing fast (RFC 6455 §8.1)', () => {
  it('invalid UTF-8 in a single-frame text message', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: Uint8Array.from([...KOSME, 0xed, 0xa0, 0x80, 0x65]) }));
    await expectClose(client, 1007, '"κόσμε" then ed a0 80 (the surrogate U+D800) is not valid UTF-8 (RFC 6455 §8.1)');
  });

  it('an invalid first fragment: the close comes without the rest of the message', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: Uint8Array.from([...KOSME, 0xf4, 0x90]), fin: false }));
    await expectClose(
      client,
      1007,
      'f4 90 can only start a code point above U+10FFFF, so the message is invalid whatever follows; a server that fails fast closes now, without waiting for the final fragment (RFC 6455 §8.1)',
    );
  });

  it('a text message cut inside a code point by its final fragment', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: bytes(0x41, 0xf0, 0x9f), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: bytes(0x98) }));
    await expectClose(client, 1007, 'the message ends after f0 9f 98, three bytes of a four-byte sequence');
  });

  it('a text message whose last byte starts a code point, ended by an empty final fragment', async () => {
    const client = await echoClient();
    await client.write(clientFrame({ opcode: TEXT, payload: bytes(0xce), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: bytes() }));
    await expectClose(
      client,
      1007,
      'ce opens a two-byte sequence, and the empty final fragment ends the message before its second byte: the check at the end of the message must catch it even when the last fragment brings no bytes (RFC 6455 §8.1)',
    );
  });
});

describe.concurrent('on the wire: a large frame is read as it arrives (RFC 6455 §5.4, §8.1)', () => {
  /** A masked 1 MiB text frame of `a`s with `inject` at byte 100, and the length of its header. */
  function largeTextFrame(inject: Uint8Array): { frame: Uint8Array; headerLength: number } {
    const payload = new Uint8Array(1 << 20).fill(0x61);
    payload.set(inject, 100);
    return { frame: clientFrame({ opcode: TEXT, payload }), headerLength: 2 + 8 + 4 };
  }

  it('a 1 MiB text frame with invalid UTF-8 in its first 4 KiB: 1007 comes while the rest is never sent', async () => {
    const client = await echoClient();
    const { frame, headerLength } = largeTextFrame(Uint8Array.from([...KOSME, 0xed, 0xa0, 0x80]));
    await client.write(frame.subarray(0, headerLength + 4096));
    await expectClose(
      client,
      1007,
      'only the header of a 1 MiB text frame and its first 4096 payload bytes were sent, and they hold ed a0 80 (U+D800): a server that checks a frame as its bytes arrive fails it now; one that waits for the whole frame waits for bytes that never come (RFC 6455 §8.1)',
      // One small answer to bytes the server already has, with nothing of its own to stream first:
      // 400 ms is still four times the longest gap measured with both cores busy (PROMPT_SILENCE_MS).
      400,
    );
  });

  it('a valid 1 MiB text frame sent in uneven pieces, a code point split between two, is echoed whole', async () => {
    const client = await echoClient();
    const { frame, headerLength } = largeTextFrame(GRINNING);
    const cuts = [headerLength + 102, headerLength + 5000, headerLength + 300_000, frame.length];
    let at = 0;
    for (const cut of cuts) {
      await client.write(frame.subarray(at, cut));
      at = cut;
    }
    const reply = await client.readFrame({
      timeoutMs: 5000,
      expect: { expected: 'the echo of the 1 MiB text message, in one frame', opcodes: [TEXT], payloadLength: 1 << 20, fin: true },
    });
    const expected = new Uint8Array(1 << 20).fill(0x61);
    expected.set(GRINNING, 100);
    if (hex(reply.payload.subarray(96, 108)) !== hex(expected.subarray(96, 108)) || reply.payload.some((byte, i) => byte !== expected[i])) {
      client.fail('the echo differs from the message sent: a frame unmasked in pieces must continue the key where the last piece stopped (RFC 6455 §5.3)');
    }
    client.destroy();
  });
});

describe.concurrent('on the wire: the fragment limit closes with 1008 (RFC 6455 §7.4.1)', () => {
  it('maxFragments 4: a message in 4 frames is echoed, one in 5 gets 1008 before its final frame', async () => {
    const client = await echoClient({ maxFragments: 4 });
    const parts = ['a', 'b', 'c', 'd'];
    for (const [i, part] of parts.entries()) {
      await client.write(clientFrame({ opcode: i === 0 ? TEXT : CONTINUATION, payload: part, fin: i === parts.length - 1 }));
    }
    await expectMessage(client, TEXT, utf8('abcd'), 'the server was started with maxFragments 4: a message in 4 frames is within it');
    for (let i = 0; i < 5; i++) await client.write(clientFrame({ opcode: i === 0 ? BINARY : CONTINUATION, payload: 'z', fin: false }));
    await expectClose(
      client,
      1008,
      'the server was started with maxFragments 4, and the 5th frame of a message arrived: refused as a policy violation, without waiting for the end of the message',
    );
  });
});

describe.concurrent('on the wire: the message size limit closes with 1009 (RFC 6455 §10.4)', () => {
  it('maxMessageLength 1024: three fragments of 500 bytes', async () => {
    const client = await echoClient({ maxMessageLength: 1024 });
    await client.write(clientFrame({ opcode: BINARY, payload: new Uint8Array(500), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: new Uint8Array(500), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: new Uint8Array(500), fin: false }));
    await expectClose(
      client,
      1009,
      'the server was started with maxMessageLength 1024; the message reached 1500 bytes across its fragments, each under the limit',
    );
  });

  it('maxMessageLength 1024: a 1024-byte message in two fragments is fine', async () => {
    const client = await echoClient({ maxMessageLength: 1024 });
    const payload = new Uint8Array(1024).map((_, i) => i & 0xff);
    await client.write(clientFrame({ opcode: BINARY, payload: payload.subarray(0, 512), fin: false }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: payload.subarray(512) }));
    await expectMessage(client, BINARY, payload, 'a message of exactly the limit is allowed');
    client.destroy();
  });
});
