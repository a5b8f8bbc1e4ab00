/**
 * The socket adapters' byte helpers (server/wiring/bytes.ts): a plain view of a Buffer, and memory
 * that is not zeroed for a buffer written whole before it is read.
 */
import { describe, expect, it } from 'vitest';
import { plainBytes, unzeroedBytes } from '../../server/wiring/bytes.ts';

describe('byte helpers', () => {
  it('plainBytes views the same memory as a plain Uint8Array, and passes a Uint8Array on as it is', () => {
    const chunk = Buffer.from('abcdef').subarray(1, 4);
    const view = plainBytes(chunk);
    expect(Object.getPrototypeOf(view), 'a Buffer becomes a plain Uint8Array').toBe(Uint8Array.prototype);
    expect([view.buffer === chunk.buffer, view.byteOffset, view.length]).toEqual([true, chunk.byteOffset, 3]);
    view[0] = 0x42;
    expect(chunk.toString(), 'nothing copied: a write shows through the Buffer').toBe('Bcd');
    const plain = new Uint8Array(4);
    expect(plainBytes(plain)).toBe(plain);
  });

  it('unzeroedBytes gives memory of its own, so that its buffer shows nothing else', () => {
    for (const length of [1, 100, 5000, 1 << 20]) {
      const bytes = unzeroedBytes(length);
      expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
      expect([bytes.length, bytes.byteOffset, bytes.buffer.byteLength], `${length} bytes: not a slice of a shared pool`).toEqual([length, 0, length]);
    }
  });
});
