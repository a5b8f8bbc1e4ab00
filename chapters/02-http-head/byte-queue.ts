/**
 * One byte queue for the whole connection.
 *
 * TCP delivers a stream in chunks of any size: a request head may arrive a byte at a time, and one
 * chunk may hold the end of the head and the first frame. Every parser of the connection (the HTTP
 * head in chapter 02, frames in chapter 05) reads from this one queue, so bytes that follow the
 * blank line are never lost and never reordered.
 *
 * The queue is a list of the chunks as they came plus a byte count. Nothing is copied on `push`;
 * `consume(n)` returns a view into the first chunk when the n bytes sit there (the common case), and
 * copies only when a request straddles chunks. Concatenating everything on every chunk would make a
 * large message cost O(n²).
 *
 * Runtime-agnostic: Uint8Array only (a Node Buffer is a Uint8Array, so socket chunks go straight in).
 */
import { todo } from '../../core/errors.ts';

export class ByteQueue {
  /** How many bytes are waiting. */
  get length(): number {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/byte-queue.ts', 'ByteQueue.length: the number of unconsumed bytes');
  }

  /** Appends a chunk (kept by reference: do not reuse its memory afterwards). */
  push(chunk: Uint8Array): void {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/byte-queue.ts', 'ByteQueue.push: keep the chunk and count its bytes');
  }

  /** The byte at `index` (0 = the oldest unconsumed byte), without consuming anything. */
  byteAt(index: number): number {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/byte-queue.ts', 'ByteQueue.byteAt: find the chunk that holds byte `index`');
  }

  /** The first `n` bytes without consuming them (a view when they sit in one chunk). */
  peek(n: number): Uint8Array {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/byte-queue.ts', 'ByteQueue.peek: the first n bytes, copied only when they span chunks');
  }

  /**
   * Removes and returns the first `n` bytes. Zero-copy when they sit in one chunk; the caller owns
   * the returned bytes and may modify them (unmasking does).
   */
  consume(n: number): Uint8Array {
    // TODO (see the chapter's README)
    return todo('chapters/02-http-head/byte-queue.ts', 'ByteQueue.consume: remove the first n bytes, without copying when they sit in one chunk');
  }
}
