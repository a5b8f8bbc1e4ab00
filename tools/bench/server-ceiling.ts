/**
 * The ceiling: the least work a Node process can do and still look like a WebSocket echo server to
 * the load generator. Started by the bench runner as its own process; prints its port on stdout.
 *
 * It answers the opening handshake, then reads only the frame headers: it skips each payload
 * without unmasking it or checking its UTF-8, and for every complete frame writes a pre-built
 * unmasked frame of the same opcode and length (zeros, cached per size). Echoing the masked client
 * frames verbatim would be less work still, but is not valid WebSocket (a server must not mask,
 * RFC 6455 §5.1). So it measures TCP, the event loop and Node's streams with framing — the cost no
 * WebSocket server in Node can avoid — not a server anyone should run: the payload is not echoed.
 */
import net from 'node:net';
import { clientFrame } from '../wire/frame-encoder.ts';
import { acceptFor, findHeadEnd } from '../wire/handshake.ts';

const replies = new Map<number, Uint8Array>();

/** An unmasked frame of `length` zeros, as a server sends it (RFC 6455 §5.1), built once per size. */
function replyFor(opcode: number, length: number): Uint8Array {
  const key = length * 16 + opcode;
  let frame = replies.get(key);
  if (frame === undefined) {
    frame = clientFrame({ opcode, payload: new Uint8Array(length), mask: false });
    replies.set(key, frame);
  }
  return frame;
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let head: Buffer | null = Buffer.alloc(0);
  // Frame header state: up to 14 bytes (2 + 8 length + 4 key), then payload bytes to skip.
  const header = Buffer.alloc(14);
  let headerLength = 0;
  let payloadLeft = 0;
  let opcode = 0;
  let length = 0;
  const readFrames = (chunk: Buffer): void => {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (payloadLeft > 0) {
        const take = Math.min(payloadLeft, chunk.length - i);
        i += take;
        payloadLeft -= take;
        if (payloadLeft === 0) out.push(replyFor(opcode, length));
        continue;
      }
      header[headerLength++] = chunk[i++]!;
      if (headerLength < 2) continue;
      const code = header[1]! & 0x7f;
      const need = (code < 126 ? 2 : code === 126 ? 4 : 10) + 4;
      if (headerLength < need) continue;
      opcode = header[0]! & 0x0f;
      length = code < 126 ? code : code === 126 ? header.readUInt16BE(2) : Number(header.readBigUInt64BE(2));
      headerLength = 0;
      payloadLeft = length;
      if (opcode === 0x8) return void socket.end(replyFor(0x8, 0));
      if (length === 0) out.push(replyFor(opcode, 0));
    }
    if (out.length === 0) return;
    socket.cork();
    for (const frame of out) socket.write(frame);
    socket.uncork();
  };
  socket.on('data', (chunk: Buffer) => {
    if (head === null) return readFrames(chunk);
    head = Buffer.concat([head, chunk]);
    const end = findHeadEnd(head);
    if (end === -1) return;
    const key = /\r\nsec-websocket-key:\s*(\S+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? '';
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
    );
    const rest = head.subarray(end);
    head = null;
    if (rest.length > 0) readFrames(rest);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(address.port);
});
