/**
 * The raw client: a {@link RecordingConnection} that reads HTTP responses, bytes and frames, for
 * tests and the conformance suite.
 *
 * Each read comes in two forms. `readFrame` fails (with the transcript) when the server closes TCP
 * first: a test that expects a frame. `readFrameOrClose` returns null then: for a conformance case,
 * "the server closed the connection" is one of the valid ways to fail it (RFC 6455 §7.1.7). Frames
 * are read with the toolkit's own decoder; with `checkServerFrames` every one is also held to what
 * RFC 6455 §5 allows a server to send.
 */
import type { Socket } from 'node:net';
import { latin1 } from './bytes.ts';
import { DEFAULT_TIMEOUT_MS, RecordingConnection, connectSocket } from './connection.ts';
import type { FrameRead } from './frame-decoder.ts';
import { ServerFrameError, parseFrame, serverFrameViolation } from './frame-decoder.ts';
import type { HttpResponseRead, UpgradeRequestOptions } from './handshake.ts';
import { findHeadEnd, parseResponseHead, upgradeRequest } from './handshake.ts';

export interface ConnectOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Bound on connecting, and the default bound on every wait, in ms (default 2000). */
  timeoutMs?: number;
  /**
   * Check every frame read against what RFC 6455 §5 allows a server (unmasked, no RSV bits, a known
   * opcode) and throw a {@link ServerFrameError} otherwise. Off by default: a test may want to look
   * at a bad frame and say itself what is wrong with it.
   */
  checkServerFrames?: boolean;
}

export class RawClient extends RecordingConnection {
  private constructor(socket: Socket, timeoutMs: number, private readonly checkServerFrames: boolean) {
    super(socket, timeoutMs);
  }

  /** Connects to `port` on 127.0.0.1 (or `options.host`) within the timeout. */
  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await connectSocket(port, options.host ?? '127.0.0.1', timeoutMs);
    return new RawClient(socket, timeoutMs, options.checkServerFrames ?? false);
  }

  /**
   * Reads one HTTP response: the head up to CRLF CRLF, and a `Content-Length` body. Whatever follows
   * (frames) stays for the next read. Null when TCP closed before a head arrived.
   */
  async readHttpResponseOrClose(timeoutMs = this.timeoutMs): Promise<HttpResponseRead | null> {
    let searched = this.cursor;
    const end = await this.waitFor('an HTTP response head (ending with \\r\\n\\r\\n)', timeoutMs, () => {
      const received = this.log.received.bytes;
      const at = findHeadEnd(received, searched);
      // Remember how far the search got: the next try starts just before the end of these bytes.
      if (at < 0) searched = Math.max(this.cursor, received.length - 3);
      return at < 0 ? undefined : at;
    });
    if (end === null) return null;
    const parsed = parseResponseHead(latin1(this.log.received.bytes.subarray(this.cursor, end)));
    if ('error' in parsed) this.fail(parsed.error);
    const length = Number(parsed.headers.get('content-length')?.[0] ?? 0);
    const bodyEnd = end + length;
    const what = `a ${length}-byte response body (Content-Length)`;
    const complete = await this.waitFor(what, timeoutMs, () => (this.log.received.length >= bodyEnd ? true : undefined));
    if (complete === null) this.fail(`waited for ${what}, but the connection closed first`);
    const body = this.log.received.bytes.slice(end, bodyEnd);
    this.log.recordRead('http', this.cursor, bodyEnd - this.cursor);
    this.cursor = bodyEnd;
    return { ...parsed, body };
  }

  /** {@link readHttpResponseOrClose}, failing when TCP closes first. */
  async readHttpResponse(timeoutMs = this.timeoutMs): Promise<HttpResponseRead> {
    const response = await this.readHttpResponseOrClose(timeoutMs);
    if (response === null) this.fail('waited for an HTTP response head (ending with \\r\\n\\r\\n), but the connection closed first');
    return response;
  }

  /** Reads exactly `n` raw bytes. */
  async readBytes(n: number, timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    const what = `${n} bytes`;
    const complete = await this.waitFor(what, timeoutMs, () => (this.unread.length >= n ? true : undefined));
    if (complete === null) this.fail(`waited for ${what}, but the connection closed first`);
    const bytes = this.unread.slice(0, n);
    this.cursor += n;
    return bytes;
  }

  /** Reads the next whole frame; null when TCP closed with no whole frame left to read. */
  async readFrameOrClose(timeoutMs = this.timeoutMs): Promise<FrameRead | null> {
    const parse = await this.waitFor('a frame', timeoutMs, () => {
      const parse = parseFrame(this.unread);
      if (parse.kind === 'too-long') {
        const problem = `the server's frame header announces ${parse.declaredLength} payload bytes, more than 2^53 (RFC 6455 §5.2)`;
        if (this.checkServerFrames) throw new ServerFrameError(problem);
        this.fail(problem);
      }
      // A bad header is reported as soon as it is whole, without waiting for the payload.
      const header = parse.kind === 'frame' ? parse.frame : parse.kind === 'partial-payload' ? parse.header : null;
      const violation = header && this.checkServerFrames ? serverFrameViolation(header) : null;
      if (violation) throw new ServerFrameError(violation);
      return parse.kind === 'frame' ? parse : undefined;
    });
    if (parse === null) return null;
    this.log.recordRead('frame', this.cursor, parse.size);
    this.cursor += parse.size;
    return parse.frame;
  }

  /** {@link readFrameOrClose}, failing when TCP closes first. */
  async readFrame(timeoutMs = this.timeoutMs): Promise<FrameRead> {
    const frame = await this.readFrameOrClose(timeoutMs);
    if (frame === null) this.fail('waited for a frame, but the connection closed first');
    return frame;
  }

  /** Resolves once the server has closed the TCP connection (FIN or reset); what it sent before stays readable. */
  async expectClosed(timeoutMs = this.timeoutMs): Promise<void> {
    const what = 'the server to close the TCP connection';
    const closed = await this.waitFor(what, timeoutMs, () => (this.closedByPeer ? true : undefined));
    if (closed === null) this.fail(`waited for ${what}, but the client closed it first`);
  }
}

/**
 * Connects, sends an upgrade request ({@link upgradeRequest} options) and requires
 * `101 Switching Protocols`; the returned client is positioned right after the 101's head.
 */
export async function openWebSocket(port: number, request?: UpgradeRequestOptions, options?: ConnectOptions): Promise<RawClient> {
  const client = await RawClient.connect(port, options);
  try {
    await client.write(upgradeRequest(request));
    const response = await client.readHttpResponse();
    if (response.status !== 101) {
      client.fail(`expected 101 Switching Protocols, got ${response.status} (RFC 6455 §4.2.2)`);
    }
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}
