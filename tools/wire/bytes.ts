/**
 * Bytes as a client builds and compares them: text to UTF-8, chunks joined, recognisable payloads,
 * and where two byte arrays part ways.
 *
 * Plain `Uint8Array` throughout (Node's `Buffer` is one), so whatever is built here can be written to
 * a socket or fed to any decoder. Nothing here knows about frames or HTTP; turning bytes into text
 * for a message is `dump.ts`.
 */

const encoder = new TextEncoder();

/** A string as UTF-8 bytes; bytes as they are. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** The chunks one after the other, in one new array of its own (not a view of Buffer's shared pool). */
export function concatBytes(...chunks: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(chunks));
}

/** Bytes → string, one character per byte (an HTTP head; TextDecoder('latin1') differs between runtimes). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** `length` bytes counting up from `seed` in steps of 7 (mod 256): recognisable, and never all alike. */
export function patternBytes(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
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
