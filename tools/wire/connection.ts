/**
 * A TCP connection that records everything: the part of the raw client that owns the socket.
 *
 * Received bytes are appended to the transcript's recording and stay there; readers (the raw client
 * in `raw-client.ts`) take them behind a cursor, so an HTTP response and the frames right behind it
 * (even in one TCP segment) are read in order, and nothing is lost or copied twice. Every wait is
 * bounded by a timeout, and every failure is a {@link WireError} that carries the transcript: what
 * was sent, what came back.
 */
import * as net from 'node:net';
import { toBytes } from './bytes.ts';
import { Transcript } from './transcript.ts';

/** How long a wait takes at most by default, in ms. */
export const DEFAULT_TIMEOUT_MS = 2000;

/**
 * How long a prompt answer may stay silent, in ms: no byte at all for this long, while the server
 * should be answering something it already has, means it is waiting for bytes that will never come
 * (it misread a length, say). The clock restarts with every chunk received, so a large answer that
 * keeps streaming is never cut off. A correct server answers in a few ms: on a 2-core machine with
 * both cores kept busy by other processes, the longest gap measured in the chapter 05–07 wire tests
 * (1 MiB echoes included) was under 100 ms. 600 ms leaves six times that, and still ends a wrong
 * answer within a second. Only for waits that involve no timer of the server's.
 */
export const PROMPT_SILENCE_MS = 600;

/** How a wait is bounded. */
export interface WaitOptions {
  /** The bound on the whole wait, in ms (default: the client's timeout). */
  timeoutMs?: number;
  /**
   * Fail once nothing has been received for this long, in ms ({@link PROMPT_SILENCE_MS}). Default: the
   * client's own silence bound, which is off unless the client was opened with one; `Infinity` turns
   * it off for this wait (one that waits on a server's timer).
   */
  silenceMs?: number;
}

/** A wait's bounds given as a number (the timeout) or as options, as options. */
export function waitBounds<T extends WaitOptions>(bounds: number | T | undefined): T | WaitOptions {
  return typeof bounds === 'number' ? { timeoutMs: bounds } : (bounds ?? {});
}

/** A wait that timed out or met a closed connection, or a check that failed: the transcript attached. */
export class WireError extends Error {
  override name = 'WireError';
  constructor(
    /** What went wrong, in one line. */
    readonly summary: string,
    readonly transcript: string,
  ) {
    super(`${summary}\n${transcript}`);
  }
}

/** Opens a TCP connection to `host:port` within `timeoutMs`, Nagle off (each write its own segment). */
export function connectSocket(port: number, host: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`waited ${timeoutMs} ms to connect to ${host}:${port}`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not connect to ${host}:${port}: ${error.message}`));
    });
  });
}

export class RecordingConnection {
  /** What the caller is waiting for right now, in words; a timeout message quotes it. */
  expecting = '';
  protected readonly log = new Transcript();
  /** How much of the received bytes the reads have consumed. */
  protected cursor = 0;
  private peerClosed = false;
  /** How many chunks arrived so far: a wait with a silence bound restarts its clock when it grows. */
  private chunks = 0;
  private closedByUs = false;
  private readonly waiters = new Set<() => void>();

  protected constructor(
    private readonly socket: net.Socket,
    /** The default bound on every wait, in ms. */
    protected readonly timeoutMs: number,
    /** The default silence bound on every wait, in ms (see {@link WaitOptions.silenceMs}); undefined: none. */
    protected readonly silenceMs?: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.log.received.append(chunk);
      this.chunks++;
      this.wake();
    });
    socket.on('end', () => this.peerClose('(the server closed the TCP connection: FIN)'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') this.peerClose('(the server reset the TCP connection: RST)');
      else this.log.notes.push(`(socket error: ${error.code ?? error.message})`);
      this.wake();
    });
    socket.on('close', () => {
      if (!this.closedByUs) this.peerClose('(the TCP connection closed)');
      this.wake();
    });
  }

  /** True once the server closed the TCP connection (FIN or reset). */
  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  /** Bytes received and not read yet. */
  get unread(): Uint8Array {
    return this.log.received.bytes.subarray(this.cursor);
  }

  /**
   * Sends bytes (a string is UTF-8 encoded). Resolves once the socket took them, or after the
   * timeout; it never rejects: a write the server no longer reads, or that fails because the server
   * already closed, is noted in the transcript. What the server answered is what a test checks.
   */
  write(data: Uint8Array | string): Promise<void> {
    const bytes = toBytes(data);
    this.log.recordSent(bytes);
    if (this.socket.destroyed || this.socket.writableEnded) {
      this.log.notes.push(`(not sent: the socket is closed; ${bytes.length} bytes)`);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.notes.push(`(a write of ${bytes.length} bytes was not taken within ${this.timeoutMs} ms)`);
        resolve();
      }, this.timeoutMs);
      this.socket.write(bytes, (error) => {
        clearTimeout(timer);
        if (error) this.log.notes.push(`(write failed: ${(error as NodeJS.ErrnoException).code ?? error.message})`);
        resolve();
      });
    });
  }

  /** Sends `data` in pieces of `pieceSize` bytes, one write each, pausing `delayMs` between them. */
  async writeInPieces(data: Uint8Array, pieceSize: number, delayMs = 0): Promise<void> {
    for (let offset = 0; offset < data.length; offset += pieceSize) {
      await this.write(data.subarray(offset, offset + pieceSize));
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  /** Stops reading from the socket, so the server's writes back up (backpressure cases). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Sends FIN: the client will send nothing more, and keeps reading. */
  end(): void {
    this.socket.end();
  }

  /** Aborts the connection with a TCP reset (RST) instead of a FIN. */
  reset(): void {
    this.closedByUs = true;
    this.log.notes.push('(the client reset the connection)');
    this.socket.resetAndDestroy();
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.closedByUs = true;
    this.socket.destroy();
    this.wake();
  }

  /** What was sent and received so far: HTTP escaped, frames annotated. */
  transcript(): string {
    return this.log.format();
  }

  /** The last events, one short line each (`> …` sent, `< …` received), for a one-screen report. */
  transcriptLines(maxLines = 10): string[] {
    return this.log.lines(maxLines);
  }

  /** Throws a {@link WireError} with `message` and the transcript. */
  fail(message: string): never {
    throw new WireError(message, this.transcript());
  }

  /**
   * Waits until `check` returns a value (it runs now and on every change of the connection).
   * Resolves null when the connection closed first; fails with the transcript on timeout, after
   * `silenceMs` without a byte received, or with what `check` threw (a check throws as soon as the
   * bytes present contradict what it waits for, so a wrong answer fails at once, not at the timeout).
   */
  protected waitFor<T>(what: string, bounds: number | WaitOptions | undefined, check: () => T | undefined): Promise<T | null> {
    const { timeoutMs = this.timeoutMs, silenceMs = this.silenceMs } = waitBounds(bounds);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      let chunksSeen = this.chunks;
      let silence: NodeJS.Timeout | undefined;
      const expecting = (): string => (this.expecting ? ` (expecting ${this.expecting})` : '');
      const fail = (summary: string): void => {
        finish();
        reject(new WireError(summary, this.transcript()));
      };
      const startSilence = (): void => {
        if (silenceMs === undefined || silenceMs === Infinity) return;
        clearTimeout(silence);
        silence = setTimeout(() => {
          const waited = Math.round(performance.now() - started);
          fail(
            `nothing arrived for ${silenceMs} ms while waiting for ${what}${expecting()} (waited ${waited} ms in all): ` +
              'a server with the answer ready sends it at once; this one seems to wait for bytes that will not come',
          );
        }, silenceMs);
      };
      const attempt = (): void => {
        if (this.chunks !== chunksSeen) {
          chunksSeen = this.chunks;
          startSilence();
        }
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (this.peerClosed || this.socket.destroyed) {
          finish();
          resolve(null);
        }
      };
      const timer = setTimeout(() => fail(`waited ${timeoutMs} ms for ${what}${expecting()}`), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(silence);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      startSilence();
      attempt();
    });
  }

  private peerClose(note: string): void {
    this.peerClosed = true;
    this.log.recordClosed(note);
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
