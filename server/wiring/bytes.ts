/**
 * Node hands a socket's bytes over as Buffers. A Buffer is a Uint8Array, but its `subarray()`
 * builds another Buffer, whose constructor is several times slower than a plain view's, and the
 * layers slice each chunk a few times per frame (header, key, payload). So the socket adapters,
 * server (server.ts) and client (server/app/client.ts), give the protocol core a plain view.
 */

/** The same bytes as a plain Uint8Array: a view of the same memory, nothing copied. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes instanceof Buffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
