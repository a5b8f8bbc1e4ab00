/**
 * Chapter 05: encoding server frames (RFC 6455 §5.2) and masking (§5.3).
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '@impl/05-frames/decode.ts';
import { encodeFrame, encodeFrameHeader } from '@impl/05-frames/encode.ts';
import { Opcode } from '../../core/frame.ts';
import { applyMask } from '@impl/05-frames/mask.ts';
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import { concatBytes, describeFrames, differenceText, fromHex, hex, parseFrame, patternBytes } from '../../tools/wire/index.ts';

const text = (s: string) => new TextEncoder().encode(s);
const KEY = fromHex('37 fa 21 3d');

/** What a frame's header must look like, by hand: minimal length, no mask unless a key is given. */
function expectedHeader(opcode: number, length: number, key?: Uint8Array): string {
  const maskBit = key === undefined ? 0 : 0x80;
  const bytes = [0x80 | opcode];
  if (length <= 125) bytes.push(maskBit | length);
  else if (length <= 0xffff) bytes.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    bytes.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32);
    const low = length % 2 ** 32;
    for (const half of [high, low]) bytes.push((half >>> 24) & 0xff, (half >>> 16) & 0xff, (half >>> 8) & 0xff, half & 0xff);
  }
  if (key !== undefined) bytes.push(...key);
  return hex(Uint8Array.from(bytes));
}

function lengthRule(length: number): string {
  if (length <= 125) return 'RFC 6455 §5.2: up to 125 the length sits in the 7-bit field itself';
  if (length <= 0xffff) return 'RFC 6455 §5.2: 126..65535 is 126 then a 16-bit big-endian length (the minimal encoding)';
  return 'RFC 6455 §5.2: above 65535 it is 127 then a 64-bit big-endian length';
}

describe('RFC 6455 §5.7: the examples, encoded', () => {
  it('a server text frame "Hello" is 81 05 48 65 6c 6c 6f (never masked, §5.1)', () => {
    const chunks = encodeFrame(Opcode.Text, text('Hello'));
    expect(hex(concatBytes(...chunks)), `encodeFrame(Text, "Hello")\n§5.1: a server must not mask its frames`).toBe(
      '81 05 48 65 6c 6c 6f',
    );
  });

  it('masked with 37 fa 21 3d it is 81 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    const payload = text('Hello');
    const chunks = encodeFrame(Opcode.Text, payload, { maskingKey: KEY });
    expect(hex(concatBytes(...chunks)), 'encodeFrame(Text, "Hello", { maskingKey: 37 fa 21 3d }) (§5.3, §5.7)').toBe(
      '81 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
    expect(new TextDecoder().decode(payload), "masking must not change the caller's payload").toBe('Hello');
  });

  it('fragments: 01 03 48 65 6c and 80 02 6c 6f', () => {
    expect(hex(concatBytes(...encodeFrame(Opcode.Text, text('Hel'), { fin: false }))), 'FIN clear (§5.4)').toBe(
      '01 03 48 65 6c',
    );
    expect(hex(concatBytes(...encodeFrame(Opcode.Continuation, text('lo')))), 'continuation, FIN set (§5.4)').toBe(
      '80 02 6c 6f',
    );
  });

  it('a ping "Hello" is 89 05 48 65 6c 6c 6f; its pong 8a 05 48 65 6c 6c 6f', () => {
    expect(hex(concatBytes(...encodeFrame(Opcode.Ping, text('Hello')))), '§5.5.2').toBe('89 05 48 65 6c 6c 6f');
    expect(hex(concatBytes(...encodeFrame(Opcode.Pong, text('Hello')))), '§5.5.3').toBe('8a 05 48 65 6c 6c 6f');
  });

  it('256 bytes of binary: 82 7e 01 00; 64 KiB: 82 7f 00 00 00 00 00 01 00 00', () => {
    expect(hex(encodeFrameHeader(Opcode.Binary, 256)), lengthRule(256)).toBe('82 7e 01 00');
    expect(hex(encodeFrameHeader(Opcode.Binary, 65536)), lengthRule(65536)).toBe('82 7f 00 00 00 00 00 01 00 00');
  });

  it('RSV1 sets bit 6 of the first byte', () => {
    expect(hex(encodeFrameHeader(Opcode.Text, 3, { rsv1: true })), 'RSV1 (§5.2)').toBe('c1 03');
  });
});

describe('RFC 6455 §5.2: minimal length encoding', () => {
  const lengths = [0, 1, 125, 126, 127, 128, 255, 256, 65535, 65536, 65537, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 53 - 1];
  for (const length of lengths) {
    it(`the header of a ${length}-byte frame`, () => {
      expect(hex(encodeFrameHeader(Opcode.Binary, length)), `encodeFrameHeader(Binary, ${length})\n${lengthRule(length)}`).toBe(
        expectedHeader(Opcode.Binary, length),
      );
      expect(
        hex(encodeFrameHeader(Opcode.Binary, length, { maskingKey: KEY })),
        `encodeFrameHeader(Binary, ${length}, { maskingKey: 37 fa 21 3d })\n${lengthRule(length)}; then the key (§5.3)`,
      ).toBe(expectedHeader(Opcode.Binary, length, KEY));
    });
  }

  it('the 2^32 header decodes back to 2^32 (the payload is never allocated)', () => {
    const header = encodeFrameHeader(Opcode.Binary, 2 ** 32, { maskingKey: KEY });
    const queue = new ByteQueue();
    queue.push(header);
    expect(decodeFrame(queue, { maxPayloadLength: 2 ** 33 }), 'no payload yet: null').toBeNull();
    expect(queue.length).toBe(14);
  });
});

describe('RFC 6455 §5.2: encodeFrame', () => {
  it('returns the header and the payload itself, without copying it', () => {
    const payload = patternBytes(1000);
    const chunks = encodeFrame(Opcode.Binary, payload);
    expect(chunks.length, 'encodeFrame returns [header, payload]').toBe(2);
    expect(hex(chunks[0]!), lengthRule(1000)).toBe('82 7e 03 e8');
    expect(chunks[1], 'the payload chunk must be the very array passed in (no copy)').toBe(payload);
  });

  const lengths = [0, 125, 126, 127, 65535, 65536, 200_000];
  const random = Array.from({ length: 8 }, (_, i) => Math.floor(((i * 7919) % 997) * 70));
  for (const length of [...lengths, ...random]) {
    it(`encodes ${length} bytes (masked as a client) as one frame an independent reader gets them back from`, () => {
      const payload = patternBytes(length, length);
      const key = Uint8Array.of(length & 0xff, 0x5a, 0xa5, 0x01);
      const wire = concatBytes(...encodeFrame(Opcode.Binary, payload, { maskingKey: key }));
      const headerLength = (length <= 125 ? 2 : length <= 0xffff ? 4 : 10) + 4;
      const context = `encodeFrame(Binary, ${length} bytes, { maskingKey: ${hex(key)} }) gave:\n${describeFrames(wire)}`;
      expect(wire.length, `${context}\n${lengthRule(length)}`).toBe(headerLength + length);
      // Read back by the test's own decoder (tools/wire), so only the encoder is under test here.
      const read = parseFrame(wire);
      expect(read.kind === 'frame' && read.size, `${context}\nexpected exactly one whole frame`).toBe(wire.length);
      if (read.kind !== 'frame') return;
      expect(read.frame.opcode, `${context}\nopcode`).toBe(Opcode.Binary);
      expect(hex(read.frame.maskingKey ?? new Uint8Array(0)), `${context}\nthe masking key (§5.3)`).toBe(hex(key));
      expect(differenceText(read.frame.payload, payload), `${context}\nthe payload, unmasked with the key`).toBe('identical');
    });
  }

  it("masks a copy: the caller's bytes are untouched, a Node Buffer's included", () => {
    // Buffer#slice() is a view of the same memory (unlike Uint8Array#slice()): masking it would
    // scramble the caller's data, e.g. a ping payload the application still holds.
    for (const payload of [Uint8Array.of(1, 2, 3, 4, 5), Buffer.from([1, 2, 3, 4, 5])]) {
      encodeFrame(Opcode.Binary, payload, { maskingKey: Uint8Array.of(0xff, 0xff, 0xff, 0xff) });
      expect(hex(payload), `the ${payload.constructor.name} given to encodeFrame, after masking with ff ff ff ff`).toBe('01 02 03 04 05');
    }
  });

  it('refuses a control frame a peer would refuse', () => {
    expect(() => encodeFrame(Opcode.Ping, patternBytes(126)), 'a 126-byte ping (§5.5)').toThrow(RangeError);
    expect(() => encodeFrame(Opcode.Close, text('x'), { fin: false }), 'a fragmented close (§5.5)').toThrow(RangeError);
  });
});

describe('RFC 6455 §5.3: masking', () => {
  it('XORs byte i with key[i % 4], in place', () => {
    const data = text('Hello');
    applyMask(data, KEY);
    expect(hex(data), 'applyMask("Hello", 37 fa 21 3d) (§5.3, §5.7)').toBe('7f 9f 4d 51 58');
    applyMask(data, KEY);
    expect(new TextDecoder().decode(data), 'masking twice restores the data').toBe('Hello');
  });

  it('starts at key position offset % 4', () => {
    const whole = patternBytes(23);
    const expected = whole.slice();
    applyMask(expected, KEY);
    for (const split of [1, 2, 3, 4, 5, 7, 13]) {
      const pieces = whole.slice();
      applyMask(pieces.subarray(0, split), KEY, 0);
      applyMask(pieces.subarray(split), KEY, split);
      expect(
        hex(pieces),
        `masked as bytes 0..${split - 1} (offset 0) then ${split}..22 (offset ${split}): the second piece ` +
          `starts at key[${split} % 4] (§5.3)`,
      ).toBe(hex(expected));
    }
    const data = fromHex('00 00 00 00 00');
    applyMask(data, KEY, 6);
    expect(hex(data), 'applyMask(00 00 00 00 00, 37 fa 21 3d, offset 6)').toBe('21 3d 37 fa 21');
  });

  it('leaves an empty payload alone', () => {
    const data = new Uint8Array(0);
    applyMask(data, KEY, 3);
    expect(data.length).toBe(0);
  });
});
