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
export class ByteQueue {
  // @remove
  /** Chunks in arrival order; the first one may be partly consumed (see `offset`). */
  private readonly chunks: Uint8Array[] = [];
  /** How many bytes of `chunks[0]` are already consumed. */
  private offset = 0;
  private size = 0;
  // @end

  /** How many bytes are waiting. */
  get length(): number {
    // @solution ByteQueue.length: the number of unconsumed bytes
    return this.size;
    // @end
  }

  /** Appends a chunk (kept by reference: do not reuse its memory afterwards). */
  push(chunk: Uint8Array): void {
    // @solution ByteQueue.push: keep the chunk and count its bytes
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    // @end
  }

  /** The byte at `index` (0 = the oldest unconsumed byte), without consuming anything. */
  byteAt(index: number): number {
    // @solution ByteQueue.byteAt: find the chunk that holds byte `index`
    if (index < 0 || index >= this.size) {
      throw new RangeError(`byteAt(${index}) outside a queue of ${this.size} bytes`);
    }
    // The common case first: the byte sits in the first chunk (a frame decoder reads there).
    const position = index + this.offset;
    const first = this.chunks[0]!;
    if (position < first.length) return first[position]!;
    // Otherwise walk from the nearer end: a parser scanning new bytes reads near the tail, and a
    // head that trickles in a byte at a time is thousands of one-byte chunks.
    if (index < this.size / 2) {
      let start = 0;
      for (const chunk of this.chunks) {
        if (position < start + chunk.length) return chunk[position - start]!;
        start += chunk.length;
      }
    } else {
      let start = this.size + this.offset;
      for (let k = this.chunks.length - 1; k >= 0; k--) {
        const chunk = this.chunks[k]!;
        start -= chunk.length;
        if (position >= start) return chunk[position - start]!;
      }
    }
    throw new RangeError('unreachable: size and chunks disagree');
    // @end
  }

  /** The first `n` bytes without consuming them (a view when they sit in one chunk). */
  peek(n: number): Uint8Array {
    // @solution ByteQueue.peek: the first n bytes, copied only when they span chunks
    return this.read(n, false);
    // @end
  }

  /**
   * Removes and returns the first `n` bytes. Zero-copy when they sit in one chunk; the caller owns
   * the returned bytes and may modify them (unmasking does).
   */
  consume(n: number): Uint8Array {
    // @solution ByteQueue.consume: remove the first n bytes, without copying when they sit in one chunk
    return this.read(n, true);
    // @end
  }
  // @remove

  private read(n: number, remove: boolean): Uint8Array {
    if (n < 0 || n > this.size) {
      throw new RangeError(`cannot read ${n} bytes from a queue of ${this.size}`);
    }
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    // Fast path: the bytes sit in the first chunk, so a view is enough.
    if (this.offset + n <= first.length) {
      const view = first.subarray(this.offset, this.offset + n);
      if (remove) this.drop(n);
      return view;
    }
    // Slow path: gather from several chunks into one new array.
    const out = new Uint8Array(n);
    let written = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      const take = Math.min(chunk.length - offset, n - written);
      out.set(chunk.subarray(offset, offset + take), written);
      written += take;
      offset = 0;
      if (written === n) break;
    }
    if (remove) this.drop(n);
    return out;
  }

  /** Forgets the first `n` bytes, releasing chunks that are fully consumed. */
  private drop(n: number): void {
    this.size -= n;
    // The common case first: the first chunk still has bytes left, so no chunk is released.
    if (this.offset + n < this.chunks[0]!.length) {
      this.offset += n;
      return;
    }
    let left = n + this.offset;
    let spent = 0;
    while (spent < this.chunks.length && left >= this.chunks[spent]!.length) {
      left -= this.chunks[spent]!.length;
      spent++;
    }
    // One splice, not a shift per chunk: consuming k chunks at once stays O(k).
    this.chunks.splice(0, spent);
    this.offset = left;
  }
  // @end
}
