/**
 * The harness for the decoder tests (chapter 05): chunkings of a stream, and a loop that feeds the
 * chunks to the chapter's own `decodeFrame` the way the connection does.
 *
 * This is the one helper that imports the implementation, because driving the decoder under test is
 * its job. It never reads a server's answers: that is the client toolkit's (`tools/wire/`), which
 * decodes on its own. Decoding unmasks in place, inside the chunks it was given (the queue owns its
 * bytes), so every helper here pushes copies, and a test can feed the same input several ways.
 */
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import { decodeFrame } from '@impl/05-frames/decode.ts';
import type { Frame } from '../../core/frame.ts';
import { concatBytes, describeFrames, fromHex, hex } from '../../tools/wire/index.ts';

/** `bytes` cut before each index in `cuts` (sorted, deduplicated, within bounds). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...points, bytes.length]) {
    chunks.push(bytes.slice(start, cut));
    start = cut;
  }
  return bytes.length === 0 ? [] : chunks;
}

/** One chunk per byte. */
export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (byte) => Uint8Array.of(byte));
}

/** A frame as plain data (the core's frame shape, nothing more), its payload copied, for `toEqual`. */
export type DecodedFrame = Frame;

export function plainFrame(frame: Frame): DecodedFrame {
  const { fin, rsv1, rsv2, rsv3, opcode, masked } = frame;
  return { fin, rsv1, rsv2, rsv3, opcode, masked, payload: Uint8Array.from(frame.payload) };
}

/** What feeding a stream produced: every frame decoded, and the bytes still in the queue. */
export interface FeedResult {
  frames: DecodedFrame[];
  /** Bytes left in the queue after the last chunk (a frame not complete yet). */
  leftover: Uint8Array;
}

/**
 * Pushes each chunk (a copy) into one queue and, after each, decodes frames until `decodeFrame`
 * returns null, as the connection does. Errors propagate.
 */
export function feed(chunks: readonly Uint8Array[], options: DecodeOptions = {}): FeedResult {
  const queue = new ByteQueue();
  const frames: DecodedFrame[] = [];
  for (const chunk of chunks) {
    queue.push(chunk.slice());
    for (;;) {
      const before = queue.length;
      const frame = decodeFrame(queue, options);
      if (frame === null) {
        if (queue.length !== before) {
          throw new Error(
            `decodeFrame returned null but consumed ${before - queue.length} of ${before} bytes: ` +
              'until a whole frame is there it must consume nothing, or those bytes are lost (RFC 6455 §5.2)',
          );
        }
        break;
      }
      frames.push(plainFrame(frame));
    }
  }
  return { frames, leftover: queue.peek(queue.length).slice() };
}

/** The three ways every input is fed: whole, byte by byte, and whole followed by trailing bytes. */
export const FEEDINGS = ['whole', 'byte by byte', 'with trailing bytes'] as const;
export type Feeding = (typeof FEEDINGS)[number];

/** Bytes that follow a frame in the "with trailing bytes" feeding: the start of a next frame. */
export const TRAILING = fromHex('81 85 37 fa');

/** The chunks for `bytes` fed the given way. */
export function chunksFor(bytes: Uint8Array, feeding: Feeding): Uint8Array[] {
  switch (feeding) {
    case 'whole':
      return [bytes];
    case 'byte by byte':
      return byteByByte(bytes);
    case 'with trailing bytes':
      return [concatBytes(bytes, TRAILING)];
    default: {
      const unknown: never = feeding;
      throw new Error(`unknown feeding ${String(unknown)}`);
    }
  }
}

/** The bytes the queue must still hold after `bytes` fed that way were decoded. */
export function leftoverFor(feeding: Feeding): Uint8Array {
  return feeding === 'with trailing bytes' ? TRAILING : new Uint8Array(0);
}

/** "sent: 81 05 48 …\n       FIN text len=5 …" for failure messages. */
export function sentText(bytes: Uint8Array, feeding?: Feeding): string {
  const how = feeding === undefined ? '' : ` (fed ${feeding})`;
  const annotated = describeFrames(bytes)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `sent${how}: ${hex(bytes)}\n${annotated}`;
}

/** The frames as text for failure messages. */
export function framesText(frames: readonly DecodedFrame[]): string {
  if (frames.length === 0) return '(no frame)';
  return frames
    .map(
      (f) =>
        `{ fin: ${f.fin}, rsv: ${+f.rsv1}${+f.rsv2}${+f.rsv3}, opcode: 0x${f.opcode.toString(16)}, ` +
        `masked: ${f.masked}, payload (${f.payload.length} bytes): ${hex(f.payload, 16)} }`,
    )
    .join('\n');
}
