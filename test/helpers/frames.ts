/**
 * Helpers for the frame tests (chapters 05–07): bytes from hex, chunkings of a stream, and a decoder
 * loop that feeds chunks to the chapter's `decodeFrame` the way the connection does.
 *
 * Decoding unmasks in place, inside the chunks it was given (the queue owns its bytes). Every helper
 * here therefore pushes copies, so a test can feed the same input several ways.
 */
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import { decodeFrame } from '@impl/05-frames/decode.ts';
import type { Frame } from '../../core/frame.ts';
import type { FrameRead, RawClient } from './wire.ts';
import { DEFAULT_TIMEOUT_MS, describeFrames, hex } from './wire.ts';

/** Bytes from hex text: `81 05 48 65 6c 6c 6f`, spaces optional. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`fromHex: not hex bytes: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** The chunks one after the other, in one new array. */
export function concatBytes(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** `length` bytes counting up from `seed` (mod 256): recognisable, and never all alike. */
export function patternBytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
}

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

/** A frame as plain data, its payload copied, for `toEqual`. */
export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

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

/**
 * Where two byte arrays first differ: -1 when they are equal (a length difference counts at the
 * shorter length). Far faster than `toEqual` on large payloads.
 */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) if (actual[i] !== expected[i]) return i;
  return actual.length === expected.length ? -1 : n;
}

/** "payload differs at byte 300: got 12, expected 4f (got 1000 bytes, expected 1000)". */
export function differenceText(actual: Uint8Array, expected: Uint8Array): string {
  const at = firstDifference(actual, expected);
  if (at < 0) return 'identical';
  const byte = (bytes: Uint8Array) => (at < bytes.length ? bytes[at]!.toString(16).padStart(2, '0') : 'nothing');
  return (
    `differs at byte ${at}: got ${byte(actual)}, expected ${byte(expected)} ` +
    `(got ${actual.length} bytes, expected ${expected.length})\n` +
    `  got      from byte ${at}: ${hex(actual.subarray(at), 16)}\n` +
    `  expected from byte ${at}: ${hex(expected.subarray(at), 16)}`
  );
}

/** A frame as the server sent it: the parsed frame and its header bytes exactly as on the wire. */
export interface WireFrame {
  frame: FrameRead;
  /** The header bytes as received (2, 4 or 10 bytes for a server frame). */
  header: Uint8Array;
}

/**
 * Reads the next frame like `client.readFrame()`, and also returns its header bytes as sent, to
 * check the length encoding. Waits (bounded) until the whole frame has arrived.
 */
export async function readWireFrame(client: RawClient, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WireFrame> {
  const frame = await client.readFrame(timeoutMs);
  return { frame, header: frame.header };
}

