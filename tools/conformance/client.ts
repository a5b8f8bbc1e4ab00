/**
 * A raw TCP client that keeps a transcript: every write and every frame read is recorded, so a
 * failing case can show what was sent and what came back.
 *
 * Received bytes wait in a chunk list and are joined only when a whole frame (or the HTTP head) is
 * there, so a 16 MiB echo costs one copy, not one per `data` event. Reads return `null` once the
 * server has closed TCP and nothing complete is left; they never wait forever on their own, but the
 * runner also destroys every client when a case runs out of time.
 */
import net from 'node:net';
import { parseServerFrame, type ServerFrame } from './frames.ts';

/** One line of a transcript. `>` is client to server, `<` server to client. */
export interface TranscriptEntry {
  direction: '>' | '<';
  kind: 'bytes' | 'frame' | 'http' | 'tcp-closed';
  /** The first bytes (at most {@link PREVIEW_BYTES}). */
  preview: Uint8Array;
  /** The full length. */
  length: number;
}

/** The status line and header fields of an HTTP response. */
export interface HttpHead {
  status: number;
  statusLine: string;
  /** Lower-cased field names; repeated fields joined with ", ". */
  headers: Map<string, string>;
  text: string;
}

export const PREVIEW_BYTES = 48;
const HEAD_END = Buffer.from('\r\n\r\n');

export class RawClient {
  readonly transcript: TranscriptEntry[] = [];
  /** What the case is waiting for right now; a timeout report quotes it. */
  expecting = 'the case to finish';
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake();
    });
    const onClosed = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.transcript.push({ direction: '<', kind: 'tcp-closed', preview: new Uint8Array(0), length: 0 });
      this.wake();
    };
    socket.on('end', onClosed);
    socket.on('close', onClosed);
    // A reset or a write after the server closed: the connection is gone, which cases observe as closed.
    socket.on('error', onClosed);
  }

  /** Open a TCP connection; rejects if nothing listens there. */
  static connect(host: string, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** True once the server closed TCP (FIN or reset). */
  get tcpClosed(): boolean {
    return this.closed;
  }

  /** Send bytes; a write after the server closed is silently dropped (cases check the close itself). */
  write(data: Uint8Array, kind: 'bytes' | 'http' = 'bytes'): void {
    this.record('>', kind, data);
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(data);
  }

  /** Send bytes in pieces of `pieceSize`, one write each, yielding to the event loop between them. */
  async writeInPieces(data: Uint8Array, pieceSize: number, delayMs = 0): Promise<void> {
    for (let offset = 0; offset < data.length; offset += pieceSize) {
      this.write(data.subarray(offset, offset + pieceSize));
      await new Promise((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)));
    }
  }

  /** Resolves when the kernel has taken every byte written so far (useful before a big read). */
  drained(): Promise<void> {
    if (this.socket.writableLength === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.removeListener('drain', done);
        this.socket.removeListener('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Read the HTTP response head; `null` if TCP closed before `\r\n\r\n` arrived. */
  async readHead(): Promise<HttpHead | null> {
    for (;;) {
      const joined = this.peek(this.buffered);
      const end = joined.indexOf(HEAD_END);
      if (end >= 0) {
        const raw = this.take(end + HEAD_END.length);
        this.record('<', 'http', raw);
        return parseHead(raw.toString('latin1'));
      }
      if (this.closed) return null;
      await this.change();
    }
  }

  /** Read the next server frame; `null` once TCP is closed with no complete frame left. */
  async readFrame(): Promise<ServerFrame | null> {
    for (;;) {
      // The header is at most 14 bytes: peek at it, learn the size, then wait for the whole frame.
      const needed = frameSize(this.peek(Math.min(this.buffered, 14)));
      if (needed !== null && this.buffered >= needed) {
        const raw = this.take(needed);
        this.record('<', 'frame', raw);
        const parsed = parseServerFrame(raw);
        if (parsed) return parsed.frame;
      }
      if (this.closed) return null;
      await this.change();
    }
  }

  /** {@link readFrame} bounded by `ms`: `'timeout'` when nothing complete arrived in time. */
  async readFrameWithin(ms: number): Promise<ServerFrame | null | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    try {
      return await Promise.race([this.readFrame(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with true when the server has closed TCP, or with false after `ms`. */
  async waitForTcpClose(ms = Number.POSITIVE_INFINITY): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      if (left === Number.POSITIVE_INFINITY) {
        await this.change();
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.change(), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Stop reading from the socket, so the server's writes back up (backpressure cases). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Half-close: send FIN, keep reading. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
    this.wake();
  }

  private record(direction: '>' | '<', kind: TranscriptEntry['kind'], data: Uint8Array): void {
    this.transcript.push({ direction, kind, preview: Uint8Array.from(data.subarray(0, PREVIEW_BYTES)), length: data.length });
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The first `n` buffered bytes, joined (copies only when they span chunks). */
  private peek(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    const joined = Buffer.concat(this.chunks);
    this.chunks.splice(0, this.chunks.length, joined);
    return joined.subarray(0, n);
  }

  private take(n: number): Buffer {
    const out = Buffer.from(this.peek(n));
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    return out;
  }
}

/** Total size of the frame whose header starts `header`, or null while the header is incomplete. */
function frameSize(header: Uint8Array): number | null {
  if (header.length < 2) return null;
  const length = header[1]! & 0x7f;
  if (length < 126) return 2 + length;
  if (length === 126) return header.length < 4 ? null : 4 + ((header[2]! << 8) | header[3]!);
  if (header.length < 10) return null;
  return 10 + Number(new DataView(header.buffer, header.byteOffset + 2, 8).getBigUint64(0));
}

function parseHead(text: string): HttpHead {
  const lines = text.split('\r\n').filter((line) => line !== '');
  const statusLine = lines[0] ?? '';
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { status, statusLine, headers, text };
}
