/**
 * Node hands a socket's bytes over as Buffers. A Buffer is a Uint8Array, but its `subarray()`
 * builds another Buffer, whose constructor is several times slower than a plain view's, and the
 * layers slice each chunk a few times per frame (header, key, payload). So the socket adapters,
 * server (server.ts) and client (server/app/client.ts), give the protocol core a plain view.
 *
 * And where a buffer is written whole before anyone reads it (a message joined from its pieces,
 * chapter 07), zeroing it first is wasted work: {@link unzeroedBytes} skips it.
 */

/** The same bytes as a plain Uint8Array: a view of the same memory, nothing copied. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes instanceof Buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/**
 * `length` bytes whose memory is not zeroed, for a buffer the caller fills entirely before anyone
 * reads it (chapter 07's `allocate` option). Its memory is its own (Node's unpooled allocation), so
 * its `.buffer` shows no bytes of anything else.
 */
export function unzeroedBytes(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}
