/**
 * Chapter 05: properties of the decoder over many generated inputs (fast-check). A failing run
 * prints the smallest input that breaks the property.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import { encodeFrame } from '@impl/05-frames/encode.ts';
import { Opcode } from '../../core/frame.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { DecodedFrame } from '../helpers/frames.ts';
import { feed, framesText, splitAt } from '../helpers/frames.ts';
import { clientFrame, concatBytes, differenceText, hex } from '../../tools/wire/index.ts';

const RUNS = { numRuns: 200 };

interface FrameSpec {
  opcode: number;
  fin: boolean;
  payload: Uint8Array;
  key: Uint8Array;
}

/** Valid client frames: data frames of any length class, control frames up to 125 bytes. */
const dataFrame = fc.record({
  opcode: fc.constantFrom(Opcode.Continuation, Opcode.Text, Opcode.Binary),
  fin: fc.boolean(),
  payload: fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 130 }) },
    { weight: 2, arbitrary: fc.integer({ min: 120, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  ),
  key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});
const controlFrame = fc.record({
  opcode: fc.constantFrom(Opcode.Close, Opcode.Ping, Opcode.Pong),
  fin: fc.constant(true),
  payload: fc.uint8Array({ maxLength: 125 }),
  key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});
const frameSpecs = fc.array(fc.oneof(dataFrame, controlFrame), { minLength: 1, maxLength: 6 });

function wireOf(specs: FrameSpec[]): Uint8Array {
  return concatBytes(
    ...specs.map((s) => clientFrame({ opcode: s.opcode, fin: s.fin, payload: s.payload, mask: s.key })),
  );
}

function expected(specs: FrameSpec[]): DecodedFrame[] {
  return specs.map((s) => ({
    fin: s.fin,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode: s.opcode,
    masked: true,
    payload: s.payload,
  }));
}

describe('RFC 6455 §5.2: properties of the decoder', () => {
  it('any chunking of a stream of valid frames yields the same frames', () => {
    fc.assert(
      fc.property(frameSpecs, fc.array(fc.nat(), { maxLength: 12 }), (specs, rawCuts) => {
        const wire = wireOf(specs);
        const cuts = rawCuts.map((cut) => cut % (wire.length + 1));
        const chunks = splitAt(wire, cuts);
        const { frames, leftover } = feed(chunks);
        const context =
          `sent ${wire.length} bytes (${hex(wire, 24)}) in chunks of ${chunks.map((c) => c.length).join(', ')} bytes\n` +
          `expected:\n${framesText(expected(specs))}`;
        expect(framesText(frames), context).toBe(framesText(expected(specs)));
        frames.forEach((frame, i) => {
          expect(differenceText(frame.payload, specs[i]!.payload), `payload of frame ${i + 1}\n${context}`).toBe('identical');
        });
        expect(leftover.length, `bytes left in the queue\n${context}`).toBe(0);
      }),
      RUNS,
    );
  });

  it('what the encoder writes, the decoder reads back', () => {
    fc.assert(
      fc.property(frameSpecs, (specs) => {
        const wire = concatBytes(
          ...specs.flatMap((s) => encodeFrame(s.opcode, s.payload, { fin: s.fin, maskingKey: s.key })),
        );
        const { frames } = feed([wire]);
        expect(framesText(frames), `encodeFrame then decodeFrame of:\n${framesText(expected(specs))}`).toBe(
          framesText(expected(specs)),
        );
      }),
      RUNS,
    );
  });

  for (const options of [{}, { requireMask: false, maxPayloadLength: 1 << 20 }] as DecodeOptions[]) {
    it(`any bytes give frames, "need more", or a ProtocolError, never another error (${JSON.stringify(options)})`, () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        // Mostly plausible headers: a random first byte, a masked or unmasked length, some payload.
        fc
          .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 200 }))
          .map(([b0, b1, rest]) => concatBytes(Uint8Array.of(b0, b1), rest)),
      );
      fc.assert(
        fc.property(bytes, fc.array(fc.nat(), { maxLength: 4 }), (input, rawCuts) => {
          const chunks = splitAt(input, rawCuts.map((cut) => cut % (input.length + 1)));
          try {
            feed(chunks, options);
          } catch (error) {
            if (error instanceof ProtocolError && [1002, 1009].includes(error.code)) return;
            throw new Error(
              `decoding ${hex(input)} threw ${String(error)}: only a ProtocolError (1002 or 1009) may come out ` +
                `of the decoder, the connection turns it into a close frame (RFC 6455 §7.1.7)`,
            );
          }
        }),
        RUNS,
      );
    });
  }
});
