/**
 * Chapter 11: collecting a message's bytes without copying them over and over.
 *
 * A 16 MiB message arrives as hundreds of TCP chunks (often 64 KiB each). The first idea, "append
 * each chunk to what we have", allocates a new array and copies everything so far on every chunk:
 * the k-th chunk costs k copies, so the whole message costs O(n²) bytes copied (n²/2c for n bytes in
 * chunks of c: about 2 GiB copied for 16 MiB in 64 KiB chunks). {@link appendByConcat} is that
 * version, kept here to be measured.
 *
 * A chunk list keeps the chunks as they came, counts their bytes, and copies each byte exactly once,
 * when the whole message is asked for (and not at all when there is only one chunk). Chapter 02's
 * ByteQueue and chapter 07's assembler already work this way; this exercise measures why.
 */
import { todo } from '../../core/errors.ts';


/** The plain way: a new array holding `collected` then `chunk`. Copies everything, every time. */
export function appendByConcat(collected: Uint8Array, chunk: Uint8Array): Uint8Array {
  const joined = new Uint8Array(collected.length + chunk.length);
  joined.set(collected, 0);
  joined.set(chunk, collected.length);
  return joined;
}

/** Bytes collected in pieces, joined once at the end. */
export class ChunkList {
  /** How many bytes have been pushed. */
  get length(): number {
    // TODO (see the chapter's README)
    return todo('chapters/11-performance/chunk-list.ts', 'ChunkList.length: the total of the pushed chunks\' lengths');
  }

  /** Keeps `chunk` (by reference: the caller must not reuse its memory). Nothing is copied. */
  push(chunk: Uint8Array): void {
    // TODO (see the chapter's README)
    return todo('chapters/11-performance/chunk-list.ts', 'ChunkList.push: keep the chunk and count its bytes, without copying');
  }

  /**
   * All the bytes pushed so far, in order, as one array: each byte copied once into an array of the
   * exact size, or the chunk itself when there is only one.
   */
  toBytes(): Uint8Array {
    // TODO (see the chapter's README)
    return todo('chapters/11-performance/chunk-list.ts', 'ChunkList.toBytes: one allocation of the total length, one copy of each chunk (none for a single chunk)');
  }
}
