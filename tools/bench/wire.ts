/**
 * The load generator's side of the wire: the opening handshake, pre-built masked client frames, and
 * an incremental reader of the server's frames.
 *
 * Everything here is built to cost the client as little as possible per message, so the numbers
 * measure the server: frames are masked once, up front, and a window of them is sent with one
 * `write` of a slice of a pre-built buffer; replies are counted by reading their headers and
 * skipping their payloads, without copying or unmasking anything.
 */
import crypto from 'node:crypto';
import net from 'node:net';

/** The opcodes the load generator sends and reads (RFC 6455 §5.2). */
export const TEXT = 0x1;
export const BINARY = 0x2;
export const CLOSE = 0x8;

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');

/** The value of Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

/** One client frame, masked with a random key: FIN set, 7/16/64-bit length (RFC 6455 §5.2). */
export function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = 2 + lengthBytes + 4;
  const frame = Buffer.alloc(header + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = crypto.randomBytes(4);
  key.copy(frame, header - 4);
  for (let i = 0; i < length; i++) frame[header + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/** An unmasked server frame (the ceiling server's replies). */
export function serverFrame(opcode: number, length: number): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = length;
  else if (lengthBytes === 2) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  return frame;
}

/** `count` copies of `frame` back to back: a window of messages goes out in one write. */
export function repeated(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/**
 * Reads server frames incrementally and reports each complete one as (opcode, payload length).
 * Payloads are skipped, not copied, unless `capture` is on (the echo check before a measurement).
 */
export class ReplyReader {
  /** Header bytes of the frame in progress (at most 2 + 8). */
  private readonly header = Buffer.alloc(10);
  private headerLength = 0;
  private payloadLeft = 0;
  private opcode = 0;
  private payloadLength = 0;
  capture = false;
  private captured: Buffer[] = [];

  constructor(private readonly onFrame: (opcode: number, length: number, payload: Buffer | null) => void) {}

  feed(chunk: Buffer): void {
    let i = 0;
    const end = chunk.length;
    while (i < end) {
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, end - i);
        if (this.capture) this.captured.push(chunk.subarray(i, i + take));
        i += take;
        this.payloadLeft -= take;
        if (this.payloadLeft === 0) this.complete();
        continue;
      }
      // Fast path: a whole short header (7-bit length, unmasked) in this chunk.
      if (this.headerLength === 0 && end - i >= 2 && (chunk[i + 1]! & 0x7f) < 126) {
        this.start(chunk[i]! & 0x0f, chunk[i + 1]! & 0x7f);
        i += 2;
        continue;
      }
      this.header[this.headerLength++] = chunk[i++]!;
      if (this.headerLength < 2) continue;
      const code = this.header[1]! & 0x7f;
      const need = code < 126 ? 2 : code === 126 ? 4 : 10;
      if (this.headerLength < need) continue;
      const length =
        code < 126 ? code : code === 126 ? this.header.readUInt16BE(2) : Number(this.header.readBigUInt64BE(2));
      this.headerLength = 0;
      this.start(this.header[0]! & 0x0f, length);
    }
  }

  private start(opcode: number, length: number): void {
    this.opcode = opcode;
    this.payloadLength = length;
    this.payloadLeft = length;
    if (length === 0) this.complete();
  }

  private complete(): void {
    let payload: Buffer | null = null;
    if (this.capture) {
      payload = Buffer.concat(this.captured);
      this.captured = [];
    }
    this.onFrame(this.opcode, this.payloadLength, payload);
  }
}

/**
 * Opens a TCP connection and performs the opening handshake. Resolves with the socket (paused
 * listeners removed) and any bytes that followed the 101 head; rejects on anything but a 101.
 */
export function connectWebSocket(
  port: number,
  path: string,
  timeoutMs = 10_000,
): Promise<{ socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error(`no 101 within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(HEAD_END);
      if (end === -1) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      const head = received.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 101 /.test(head)) return fail(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
      const accept = /\r\nsec-websocket-accept:\s*(\S+)/i.exec(head)?.[1];
      if (accept !== acceptFor(key)) return fail(new Error(`wrong Sec-WebSocket-Accept: ${accept}`));
      resolve({ socket, rest: received.subarray(end + 4) });
    };
    const onClose = (): void => fail(new Error('connection closed during the handshake'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}
