/**
 * The lean side of the toolkit, for the load generator: the opening handshake over a plain socket,
 * and a reader that counts the server's frames. No transcript, no copies.
 *
 * Everything here is built to cost the client as little as possible per message, so the numbers
 * measure the server: messages are masked once, up front ({@link clientFrame} builds them), and a
 * window of them goes out as one `write` of a slice of a {@link repeated} buffer; replies are counted
 * by reading their headers and skipping their payloads, without copying or unmasking anything.
 * The handshake itself uses the same request builder and accept value as the raw client.
 */
import net from 'node:net';
import { latin1 } from './bytes.ts';
import { acceptFor, findHeadEnd, headerValue, newKey, parseResponseHead, upgradeRequest } from './handshake.ts';

/** `count` copies of `frame` back to back: a window of messages goes out in one write. */
export function repeated(frame: Uint8Array, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/**
 * Reads server frames incrementally and reports each complete one as (opcode, payload length,
 * payload, RSV1). Payloads are skipped, not copied, unless `capture` is on (the echo check before
 * a measurement). RSV1 marks a compressed message (RFC 7692 §6).
 */
export class ReplyReader {
  /** Header bytes of the frame in progress (at most 2 + 8). */
  private readonly header = Buffer.alloc(10);
  private headerLength = 0;
  private payloadLeft = 0;
  private opcode = 0;
  private rsv1 = false;
  private payloadLength = 0;
  capture = false;
  private captured: Buffer[] = [];

  constructor(private readonly onFrame: (opcode: number, length: number, payload: Buffer | null, rsv1: boolean) => void) {}

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
        this.start(chunk[i]!, chunk[i + 1]! & 0x7f);
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
      this.start(this.header[0]!, length);
    }
  }

  /** A frame begins: its first header byte (FIN, RSV1–3, opcode) and its payload length. */
  private start(firstByte: number, length: number): void {
    this.opcode = firstByte & 0x0f;
    this.rsv1 = (firstByte & 0x40) !== 0;
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
    this.onFrame(this.opcode, this.payloadLength, payload, this.rsv1);
  }
}

/**
 * Opens a TCP connection to 127.0.0.1 and performs the opening handshake. Resolves with the socket
 * (the handshake's listeners removed), any bytes that followed the 101 head and the server's
 * Sec-WebSocket-Extensions answer to `extensions`, an offer sent when given; rejects on anything
 * but a 101 with the right Sec-WebSocket-Accept.
 */
export function connectWebSocket(
  port: number,
  path: string,
  timeoutMs = 10_000,
  extensions?: string,
): Promise<{ socket: net.Socket; rest: Buffer; extensions: string | undefined }> {
  return new Promise((resolve, reject) => {
    const key = newKey();
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
      const end = findHeadEnd(received);
      if (end === -1) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('close', onClose);
      const head = parseResponseHead(latin1(received.subarray(0, end)));
      if ('error' in head) return fail(new Error(`handshake answered with a malformed head: ${head.error}`));
      if (head.status !== 101) return fail(new Error(`handshake refused: ${head.statusLine}`));
      const accept = headerValue(head, 'sec-websocket-accept');
      if (accept !== acceptFor(key)) return fail(new Error(`wrong Sec-WebSocket-Accept: ${accept}`));
      resolve({ socket, rest: received.subarray(end), extensions: headerValue(head, 'sec-websocket-extensions') });
    };
    const onClose = (): void => fail(new Error('connection closed during the handshake'));
    socket.on('data', onData);
    socket.on('error', fail);
    socket.on('close', onClose);
    const headers: Record<string, string> = extensions === undefined ? {} : { 'Sec-WebSocket-Extensions': extensions };
    socket.write(upgradeRequest({ path, host: `127.0.0.1:${port}`, key, headers }));
  });
}
