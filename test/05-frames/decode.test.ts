/**
 * Chapter 05: decoding frames (RFC 6455 §5.2–§5.7). Every input is fed whole, byte by byte and
 * with the start of another frame after it, through one ByteQueue as the connection does.
 */
import { describe, expect, it } from 'vitest';
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import { DEFAULT_MAX_PAYLOAD_LENGTH, decodeFrame, decodeFrameHeader } from '@impl/05-frames/decode.ts';
import { Opcode } from '../../core/frame.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { DecodedFrame, Feeding } from '../helpers/frames.ts';
import {
  FEEDINGS,
  byteByByte,
  chunksFor,
  feed,
  framesText,
  leftoverFor,
  sentText,
} from '../helpers/frames.ts';
import { clientFrame, concatBytes, differenceText, fromHex, hex, patternBytes } from '../../tools/wire/index.ts';

const text = (s: string) => new TextEncoder().encode(s);
const KEY = fromHex('37 fa 21 3d');
/** The RFC's examples come from both sides: read them as a peer would, masks optional. */
const LENIENT: DecodeOptions = { requireMask: false };

function frame(opcode: number, payload: Uint8Array | string, more: Partial<DecodedFrame> = {}): DecodedFrame {
  const bytes = typeof payload === 'string' ? text(payload) : payload;
  return { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, masked: false, payload: bytes, ...more };
}

/** Feeds `bytes` each of the three ways and requires exactly `expected`, nothing lost or left. */
function expectFrames(bytes: Uint8Array, expected: DecodedFrame[], section: string, options: DecodeOptions = {}) {
  for (const feeding of FEEDINGS) {
    const context = `${sentText(bytes, feeding)}\nexpected:\n${framesText(expected)}\n(RFC 6455 ${section})`;
    let result;
    try {
      result = feed(chunksFor(bytes, feeding), options);
    } catch (error) {
      throw new Error(`decoding threw ${String(error)}\n${context}`);
    }
    expect(framesText(result.frames), `decoded frames differ\n${context}`).toBe(framesText(expected));
    result.frames.forEach((got, i) => {
      expect(differenceText(got.payload, expected[i]!.payload), `payload of frame ${i + 1}\n${context}`).toBe('identical');
    });
    expect(
      hex(result.leftover),
      `after the frames the queue must hold exactly the bytes that follow them\n${context}`,
    ).toBe(hex(leftoverFor(feeding)));
  }
}

/** Feeds `bytes` whole and byte by byte; each must fail with a ProtocolError carrying `code`. */
function expectRefused(bytes: Uint8Array, code: number, rule: string, options: DecodeOptions = {}) {
  for (const feeding of ['whole', 'byte by byte'] as Feeding[]) {
    const context = `${sentText(bytes, feeding)}\nexpected: a ProtocolError with close code ${code}: ${rule}`;
    let thrown: unknown = null;
    let frames: DecodedFrame[] = [];
    try {
      frames = feed(chunksFor(bytes, feeding), options).frames;
    } catch (error) {
      thrown = error;
    }
    if (thrown === null) throw new Error(`the decoder accepted it, giving:\n${framesText(frames)}\n${context}`);
    if (!(thrown instanceof ProtocolError)) {
      throw new Error(`the decoder threw ${String(thrown)}, not a ProtocolError\n${context}`);
    }
    expect(thrown.code, `wrong close code for "${thrown.message}"\n${context}`).toBe(code);
    expect(thrown.message.length, `the error needs a message that says what was wrong\n${context}`).toBeGreaterThan(0);
  }
}

describe('RFC 6455 §5.7: the examples', () => {
  it('a single-frame unmasked text message: 81 05 48 65 6c 6c 6f is "Hello"', () => {
    expectFrames(fromHex('81 05 48 65 6c 6c 6f'), [frame(Opcode.Text, 'Hello')], '§5.7', LENIENT);
  });

  it('a single-frame masked text message: 81 85 37 fa 21 3d 7f 9f 4d 51 58 is "Hello"', () => {
    expectFrames(
      fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
      [frame(Opcode.Text, 'Hello', { masked: true })],
      '§5.3, §5.7: unmask with payload[i] ^ key[i % 4]',
    );
  });

  it('a fragmented unmasked text message: 01 03 48 65 6c then 80 02 6c 6f', () => {
    expectFrames(
      fromHex('01 03 48 65 6c 80 02 6c 6f'),
      [frame(Opcode.Text, 'Hel', { fin: false }), frame(Opcode.Continuation, 'lo')],
      '§5.4, §5.7',
      LENIENT,
    );
  });

  it('an unmasked ping: 89 05 48 65 6c 6c 6f, and the masked pong answering it', () => {
    expectFrames(fromHex('89 05 48 65 6c 6c 6f'), [frame(Opcode.Ping, 'Hello')], '§5.5.2, §5.7', LENIENT);
    expectFrames(
      fromHex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
      [frame(Opcode.Pong, 'Hello', { masked: true })],
      '§5.5.3, §5.7',
    );
  });

  it('256 bytes of binary data: 82 7e 01 00 (the 16-bit length is big-endian)', () => {
    const payload = patternBytes(256);
    expectFrames(
      concatBytes(fromHex('82 7e 01 00'), payload),
      [frame(Opcode.Binary, payload)],
      '§5.2: 126 means the next 2 bytes hold the length in network byte order; §5.7',
      LENIENT,
    );
  });

  it('64 KiB of binary data: 82 7f 00 00 00 00 00 01 00 00 (a 64-bit length)', () => {
    const payload = patternBytes(65536, 3);
    const bytes = concatBytes(fromHex('82 7f 00 00 00 00 00 01 00 00'), payload);
    // Byte by byte would take 65546 calls: whole and with trailing bytes say the same here.
    for (const feeding of ['whole', 'with trailing bytes'] as Feeding[]) {
      const result = feed(chunksFor(bytes, feeding), LENIENT);
      expect(result.frames.length, `${sentText(bytes, feeding)}\nexpected one 65536-byte binary frame (§5.7)`).toBe(1);
      expect(result.frames[0]!.payload.length, '§5.2: 127 means the next 8 bytes hold the length').toBe(65536);
      expect(differenceText(result.frames[0]!.payload, payload), 'the payload must come out intact').toBe('identical');
    }
  });
});

describe('RFC 6455 §5.2: the payload length in 7, 7+16 or 7+64 bits', () => {
  for (const length of [0, 1, 125, 126, 127, 128, 1000, 65535, 65536, 70000]) {
    it(`a masked binary frame of ${length} bytes`, () => {
      const payload = patternBytes(length, length);
      const bytes = clientFrame({ opcode: Opcode.Binary, payload, mask: KEY });
      const feedings: Feeding[] = length > 2000 ? ['whole', 'with trailing bytes'] : [...FEEDINGS];
      for (const feeding of feedings) {
        const { frames, leftover } = feed(chunksFor(bytes, feeding));
        const context = `${sentText(bytes, feeding)}\nexpected: one binary frame of ${length} bytes (RFC 6455 §5.2)`;
        expect(frames.length, context).toBe(1);
        expect(frames[0]!.payload.length, `wrong payload length\n${context}`).toBe(length);
        expect(
          differenceText(frames[0]!.payload, payload),
          `wrong payload (unmasked with key 37 fa 21 3d)\n${context}`,
        ).toBe('identical');
        expect(hex(leftover), context).toBe(hex(leftoverFor(feeding)));
      }
    });
  }

  it('a length in a longer field than needed: read, or refused with 1002 (§5.2 binds the sender; the receiver chooses)', () => {
    // §5.2: "the minimal number of bytes MUST be used to encode the length". That is the sender's
    // duty; the RFC does not say what a receiver does with a longer encoding. The reference reads it;
    // a decoder that refuses it (1002, consistently however it is fed) is just as correct.
    const bytes = clientFrame({ opcode: Opcode.Text, payload: 'Hi', mask: KEY, lengthBits: 64 });
    let refused = false;
    try {
      feed(chunksFor(bytes, 'whole'), {});
    } catch {
      refused = true;
    }
    if (refused) expectRefused(bytes, 1002, 'a length of 2 in the 64-bit field, if refused (RFC 6455 §5.2)');
    else expectFrames(bytes, [frame(Opcode.Text, 'Hi', { masked: true })], '§5.2');
  });

  it('reads a 2^32-byte length from the header (the payload is never sent)', () => {
    const header = fromHex('82 ff 00 00 00 01 00 00 00 00 37 fa 21 3d');
    const queue = new ByteQueue();
    queue.push(header.slice());
    const options = { maxPayloadLength: 2 ** 33 };
    const decoded = decodeFrameHeader(queue, options);
    const context = `${sentText(header)}\nexpected: a header announcing 4294967296 bytes (2^32), 14 header bytes`;
    expect(decoded, context).not.toBeNull();
    expect(decoded!.payloadLength, `${context}\n(read the 8 bytes as two 32-bit big-endian halves)`).toBe(2 ** 32);
    expect(decoded!.headerLength, context).toBe(14);
    expect(decoded!.masked, context).toBe(true);
    expect(hex(decoded!.maskingKey!), context).toBe('37 fa 21 3d');
    expect(queue.length, 'decodeFrameHeader must not consume anything').toBe(14);
    expect(decodeFrame(queue, options), 'the payload has not arrived: decodeFrame must return null').toBeNull();
    expect(queue.length, 'and consume nothing').toBe(14);
  });
});

describe('RFC 6455 §5.2: reading a frame incrementally', () => {
  it('returns null and consumes nothing until the whole frame is there', () => {
    const bytes = fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    for (let n = 0; n < bytes.length; n++) {
      const queue = new ByteQueue();
      queue.push(bytes.slice(0, n));
      const context = `${sentText(bytes.subarray(0, n))}\n(the first ${n} of the 11 bytes of a masked "Hello" frame)`;
      expect(decodeFrame(queue), `${context}\nexpected null: the frame is not complete`).toBeNull();
      expect(queue.length, `${context}\nexpected nothing consumed, or the bytes are lost`).toBe(n);
    }
  });

  it('decodes many frames from one chunk, in order', () => {
    const frames = [
      clientFrame({ opcode: Opcode.Text, payload: 'one', mask: KEY }),
      clientFrame({ opcode: Opcode.Ping, payload: 'p', mask: fromHex('01 02 03 04') }),
      clientFrame({ opcode: Opcode.Binary, payload: patternBytes(300), mask: fromHex('a1 b2 c3 d4') }),
      clientFrame({ opcode: Opcode.Text, payload: '', mask: KEY }),
      clientFrame({ opcode: Opcode.Close, payload: fromHex('03 e8'), mask: KEY }),
    ];
    expectFrames(
      concatBytes(...frames),
      [
        frame(Opcode.Text, 'one', { masked: true }),
        frame(Opcode.Ping, 'p', { masked: true }),
        frame(Opcode.Binary, patternBytes(300), { masked: true }),
        frame(Opcode.Text, '', { masked: true }),
        frame(Opcode.Close, fromHex('03 e8'), { masked: true }),
      ],
      '§5.2',
    );
  });

  it('a frame split at every possible point decodes the same', () => {
    const bytes = concatBytes(
      clientFrame({ opcode: Opcode.Binary, payload: patternBytes(200), mask: KEY }),
      clientFrame({ opcode: Opcode.Text, payload: 'next', mask: fromHex('01 02 03 04') }),
    );
    const expected = [frame(Opcode.Binary, patternBytes(200), { masked: true }), frame(Opcode.Text, 'next', { masked: true })];
    for (let cut = 1; cut < bytes.length; cut++) {
      const { frames } = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(framesText(frames), `${sentText(bytes)}\nsplit into two chunks before byte ${cut}`).toBe(framesText(expected));
    }
  });

  it('unmasks a payload that arrived in several chunks (the key position continues across them)', () => {
    const payload = patternBytes(1000, 9);
    const bytes = clientFrame({ opcode: Opcode.Binary, payload, mask: fromHex('de ad be ef') });
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 333), bytes.subarray(333, 334), bytes.subarray(334)];
    const { frames } = feed(chunks);
    expect(frames.length).toBe(1);
    expect(
      differenceText(frames[0]!.payload, payload),
      `${sentText(bytes)}\nin chunks of 7, 326, 1 and 674 bytes; the key position continues across chunks (§5.3)`,
    ).toBe('identical');
  });

  it('reads the flags of every data and control opcode', () => {
    const bytes = concatBytes(
      clientFrame({ opcode: Opcode.Binary, payload: 'a', fin: false, mask: KEY }),
      clientFrame({ opcode: Opcode.Pong, payload: '', mask: KEY }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'b', fin: false, mask: KEY }),
      clientFrame({ opcode: Opcode.Continuation, payload: 'c', mask: KEY }),
    );
    expectFrames(
      bytes,
      [
        frame(Opcode.Binary, 'a', { fin: false, masked: true }),
        frame(Opcode.Pong, '', { masked: true }),
        frame(Opcode.Continuation, 'b', { fin: false, masked: true }),
        frame(Opcode.Continuation, 'c', { masked: true }),
      ],
      '§5.2, §5.4',
    );
  });

  it('decodeFrameHeader reports the header without consuming it', () => {
    const bytes = fromHex('82 fe 01 00 01 02 03 04');
    const queue = new ByteQueue();
    for (const chunk of byteByByte(bytes)) queue.push(chunk);
    const header = decodeFrameHeader(queue);
    expect(header, sentText(bytes)).toEqual({
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      opcode: Opcode.Binary,
      masked: true,
      payloadLength: 256,
      maskingKey: fromHex('01 02 03 04'),
      headerLength: 8,
    });
    expect(queue.length, 'decodeFrameHeader must consume nothing').toBe(8);
    const short = new ByteQueue();
    short.push(bytes.slice(0, 7));
    expect(decodeFrameHeader(short), 'the masking key is not all there: null').toBeNull();
  });
});

describe('RFC 6455 §5.1, §5.2, §5.5: frames a server refuses (1002)', () => {
  it('an unmasked frame from a client (§5.1)', () => {
    expectRefused(fromHex('81 05 48 65 6c 6c 6f'), 1002, 'a client masks every frame (RFC 6455 §5.1)');
  });

  it('but reads an unmasked frame when told masks are not required', () => {
    expectFrames(fromHex('81 05 48 65 6c 6c 6f'), [frame(Opcode.Text, 'Hello')], '§5.1', { requireMask: false });
  });

  for (const rsv of ['rsv1', 'rsv2', 'rsv3'] as const) {
    it(`${rsv.toUpperCase()} set without a negotiated extension`, () => {
      expectRefused(
        clientFrame({ opcode: Opcode.Text, payload: 'Hi', mask: KEY, [rsv]: true }),
        1002,
        'a reserved bit is 0 unless an extension gives it a meaning (RFC 6455 §5.2)',
      );
    });
  }

  it('RSV1 when an extension allows it, but RSV2 still refused', () => {
    const options: DecodeOptions = { allowedRsv: { rsv1: true } };
    expectFrames(
      clientFrame({ opcode: Opcode.Text, payload: 'Hi', mask: KEY, rsv1: true }),
      [frame(Opcode.Text, 'Hi', { masked: true, rsv1: true })],
      '§5.2, §9',
      options,
    );
    expectRefused(clientFrame({ opcode: Opcode.Text, payload: 'Hi', mask: KEY, rsv2: true }), 1002, 'RSV2 (§5.2)', options);
  });

  for (const opcode of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    it(`reserved opcode 0x${opcode.toString(16)}`, () => {
      expectRefused(
        clientFrame({ opcode, payload: 'x', mask: KEY }),
        1002,
        `opcodes 0x3–0x7 and 0xB–0xF are reserved (RFC 6455 §5.2)`,
      );
    });
  }

  for (const [name, opcode] of [['close', Opcode.Close], ['ping', Opcode.Ping], ['pong', Opcode.Pong]] as const) {
    it(`a fragmented ${name} frame (FIN clear)`, () => {
      expectRefused(
        clientFrame({ opcode, payload: 'x', fin: false, mask: KEY }),
        1002,
        'control frames must not be fragmented (RFC 6455 §5.5)',
      );
    });

    it(`a ${name} frame with 126 bytes of payload`, () => {
      expectRefused(
        clientFrame({ opcode, payload: patternBytes(126), mask: KEY }),
        1002,
        'control frames carry at most 125 bytes (RFC 6455 §5.5)',
      );
    });
  }

  it('a control frame is refused from its header, before its payload arrives', () => {
    const header = fromHex('89 fe 01 00 37 fa 21 3d');
    expectRefused(header, 1002, 'a ping announcing 256 bytes (RFC 6455 §5.5), decided from the header');
  });

  it('but a ping of exactly 125 bytes is fine', () => {
    expectFrames(
      clientFrame({ opcode: Opcode.Ping, payload: patternBytes(125), mask: KEY }),
      [frame(Opcode.Ping, patternBytes(125), { masked: true })],
      '§5.5',
    );
  });

  it('a 64-bit length with its most significant bit set', () => {
    expectRefused(
      fromHex('82 ff 80 00 00 00 00 00 00 05 37 fa 21 3d'),
      1002,
      'the most significant bit of a 64-bit length must be 0 (RFC 6455 §5.2)',
    );
  });
});

describe('RFC 6455 §7.4.1: a payload over the limit (1009)', () => {
  it('refuses a frame over maxPayloadLength from its header alone', () => {
    const options = { maxPayloadLength: 1000 };
    expectRefused(fromHex('82 fe 03 e9 37 fa 21 3d'), 1009, '1001 bytes > maxPayloadLength 1000', options);
    expectFrames(
      clientFrame({ opcode: Opcode.Binary, payload: patternBytes(1000), mask: KEY }),
      [frame(Opcode.Binary, patternBytes(1000), { masked: true })],
      '§7.4.1: exactly the limit is fine',
      options,
    );
  });

  it('has a default limit of 64 MiB', () => {
    expect(DEFAULT_MAX_PAYLOAD_LENGTH).toBe(64 * 1024 * 1024);
    expectRefused(fromHex('82 ff 00 00 00 00 04 00 00 01 37 fa 21 3d'), 1009, '64 MiB + 1 byte, over the default limit');
  });

  it('refuses 2^40 bytes, and lengths beyond 2^53 that a number cannot hold', () => {
    expectRefused(fromHex('82 ff 00 00 01 00 00 00 00 00 37 fa 21 3d'), 1009, '2^40 bytes');
    expectRefused(fromHex('82 ff 7f ff ff ff ff ff ff ff 37 fa 21 3d'), 1009, '2^63 - 1 bytes');
    expectRefused(fromHex('82 ff 00 20 00 00 00 00 00 00 37 fa 21 3d'), 1009, '2^53 bytes', {
      maxPayloadLength: Number.POSITIVE_INFINITY,
    });
  });
});
