/**
 * The raw client: a {@link RecordingConnection} that reads HTTP responses, bytes and frames, for
 * tests and the conformance suite.
 *
 * Each read comes in two forms. `readFrame` fails (with the transcript) when the server closes TCP
 * first: a test that expects a frame. `readFrameOrClose` returns null then: for a conformance case,
 * "the server closed the connection" is one of the valid ways to fail it (RFC 6455 §7.1.7). Frames
 * are read with the toolkit's own decoder; with `checkServerFrames` every one is also held to what
 * RFC 6455 §5 allows a server to send.
 *
 * A read that is told what it expects (`expect`: the opcodes, the length, in words) fails the moment
 * the bytes present contradict it: a header of the wrong kind or length, a masked or reserved frame,
 * or the TCP close. `expectClosed` told which frames may still come (`only`) fails at the first
 * other one. And `silenceMs` ends a wait once nothing at all has come for that long, so a server
 * that waits for bytes that will never come fails a test in well under a second, not at the timeout.
 */
import type { Socket } from 'node:net';
import { latin1 } from './bytes.ts';
import type { WaitOptions } from './connection.ts';
import { DEFAULT_TIMEOUT_MS, RecordingConnection, WireError, connectSocket, waitBounds } from './connection.ts';
import { describeFrames, describeHeader } from './describe.ts';
import { hex } from './dump.ts';
import type { FrameHeaderRead, FrameRead } from './frame-decoder.ts';
import { ServerFrameError, parseFrame, serverFrameViolation } from './frame-decoder.ts';
import type { FrameExpectation } from './frame-expectation.ts';
import { headerMismatch, lengthEncodingViolation, opcodeList } from './frame-expectation.ts';
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
  /**
   * The default silence bound on every wait of this client, in ms: for a server that should answer
   * whatever it is sent at once ({@link PROMPT_SILENCE_MS}), so that one that has gone quiet fails
   * the wait then, not at the timeout. Off by default; a wait's own `silenceMs` overrides it.
   */
  silenceMs?: number;
}

/** How a frame read is bounded, and what it expects. */
export interface ReadFrameOptions extends WaitOptions {
  expect?: FrameExpectation;
}

/** How a wait for the TCP close is bounded, and which frames may come before it. */
export interface CloseWaitOptions extends WaitOptions {
  /** The opcodes of frames the server may still send before closing; any other fails the wait at once. */
  only?: readonly number[];
  /** What the test expects, in words, for the failure message. */
  expected?: string;
}

/** `no frame`, or `no frame but 0x9 (ping)`. */
function allowedText(only: readonly number[]): string {
  if (only.length === 0) return 'no frame';
  return `no frame but ${opcodeList(only)}`;
}

/** The bytes not read yet, in words, for a failure message. */
function unreadText(unread: Uint8Array): string {
  return unread.length === 0 ? 'nothing more' : `${unread.length} bytes that are not a whole frame:\n${describeFrames(unread, 4)}`;
}

export class RawClient extends RecordingConnection {
  /** Set once the server agreed to permessage-deflate: RSV1 is then valid on a message's first frame. */
  allowRsv1 = false;

  private constructor(socket: Socket, timeoutMs: number, private readonly checkServerFrames: boolean, silenceMs?: number) {
    super(socket, timeoutMs, silenceMs);
  }

  /** Connects to `port` on 127.0.0.1 (or `options.host`) within the timeout. */
  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await connectSocket(port, options.host ?? '127.0.0.1', timeoutMs);
    return new RawClient(socket, timeoutMs, options.checkServerFrames ?? false, options.silenceMs);
  }

  /**
   * Reads one HTTP response: the head up to CRLF CRLF, and a `Content-Length` body. Whatever follows
   * (frames) stays for the next read. Null when TCP closed before a head arrived.
   */
  async readHttpResponseOrClose(bounds?: number | WaitOptions): Promise<HttpResponseRead | null> {
    let searched = this.cursor;
    const end = await this.waitFor('an HTTP response head (ending with \\r\\n\\r\\n)', bounds, () => {
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
    const complete = await this.waitFor(what, bounds, () => (this.log.received.length >= bodyEnd ? true : undefined));
    if (complete === null) this.fail(`waited for ${what}, but the connection closed first`);
    const body = this.log.received.bytes.slice(end, bodyEnd);
    this.log.recordRead('http', this.cursor, bodyEnd - this.cursor);
    this.cursor = bodyEnd;
    return { ...parsed, body };
  }

  /** {@link readHttpResponseOrClose}, failing when TCP closes first. */
  async readHttpResponse(bounds?: number | WaitOptions): Promise<HttpResponseRead> {
    const response = await this.readHttpResponseOrClose(bounds);
    if (response === null) this.fail('waited for an HTTP response head (ending with \\r\\n\\r\\n), but the connection closed first');
    return response;
  }

  /** Reads exactly `n` raw bytes. */
  async readBytes(n: number, bounds?: number | WaitOptions): Promise<Uint8Array> {
    const what = `${n} bytes`;
    const complete = await this.waitFor(what, bounds, () => (this.unread.length >= n ? true : undefined));
    if (complete === null) this.fail(`waited for ${what}, but the connection closed first`);
    const bytes = this.unread.slice(0, n);
    this.cursor += n;
    return bytes;
  }

  /**
   * Reads the next frame, or null when TCP closes before a whole one arrived. With `expect`, fails
   * at once (a {@link WireError} with the reason) when the frame's header shows it is not the
   * expected one; see {@link headerMismatch}.
   */
  async readFrameOrClose(options?: number | ReadFrameOptions): Promise<FrameRead | null> {
    const { expect, ...bounds } = waitBounds(options) as ReadFrameOptions;
    const what = expect ? expect.expected : 'a frame';
    const parse = await this.waitFor(what, bounds, () => {
      const parse = parseFrame(this.unread);
      if (parse.kind === 'too-long') {
        const problem = `the server's frame header announces ${parse.declaredLength} payload bytes, more than 2^53 (RFC 6455 §5.2)`;
        if (this.checkServerFrames && !expect) throw new ServerFrameError(problem);
        this.fail(expect ? `expected ${expect.expected}; got a frame that cannot be it: ${problem}` : problem);
      }
      // A bad header is reported as soon as it is whole, without waiting for the payload.
      const header = parse.kind === 'frame' ? parse.frame : parse.kind === 'partial-payload' ? parse.header : null;
      if (header && expect) {
        const mismatch = headerMismatch(header, expect);
        if (mismatch) this.failOnHeader(header, `expected ${expect.expected}; the server's next frame cannot be it: ${mismatch}`);
      }
      const violation = header && this.checkServerFrames ? serverFrameViolation(header, { rsv1: this.allowRsv1 }) : null;
      if (violation) throw new ServerFrameError(violation);
      return parse.kind === 'frame' ? parse : undefined;
    });
    if (parse === null) return null;
    this.log.recordRead('frame', this.cursor, parse.size);
    this.cursor += parse.size;
    return parse.frame;
  }

  /** {@link readFrameOrClose}, failing when TCP closes first. */
  async readFrame(options?: number | ReadFrameOptions): Promise<FrameRead> {
    const frame = await this.readFrameOrClose(options);
    if (frame === null) {
      const expected = (typeof options === 'object' && options.expect?.expected) || 'a frame';
      this.fail(`expected ${expected}, but the server closed the TCP connection first; received after the last read: ${unreadText(this.unread)}`);
    }
    return frame;
  }

  /**
   * Resolves once the server has closed the TCP connection (FIN or reset); what it sent before stays
   * readable. With `only`, every frame that arrives meanwhile must have one of those opcodes (and be
   * a valid server frame): the wait fails at the first that does not, without waiting for the close.
   */
  async expectClosed(options?: number | CloseWaitOptions): Promise<void> {
    const { only, expected, ...bounds } = waitBounds(options) as CloseWaitOptions;
    const what = expected ?? 'the server to close the TCP connection';
    const closed = await this.waitFor(what, bounds, () => {
      if (only) this.checkFramesBeforeClose(only, what);
      return this.closedByPeer ? true : undefined;
    });
    if (closed === null) this.fail(`waited for ${what}, but the client closed it first`);
  }

  /** Fails at the first unread frame (from its header) that may not come before the close. */
  private checkFramesBeforeClose(only: readonly number[], what: string): void {
    let rest = this.unread;
    while (rest.length > 0) {
      const parse = parseFrame(rest);
      if (parse.kind === 'too-long') this.fail(`expected ${what}; the server sent a frame header announcing ${parse.declaredLength} payload bytes instead (RFC 6455 §5.2)`);
      if (parse.kind === 'partial-header') return;
      const header = parse.kind === 'frame' ? parse.frame : parse.header;
      const problem = !only.includes(header.opcode)
        ? `the server sent a ${describeHeader(header)} frame instead, and ${allowedText(only)} may come before the close`
        : (serverFrameViolation(header, { rsv1: this.allowRsv1 }) ?? lengthEncodingViolation(header));
      if (problem) this.failOnHeader(header, `expected ${what}; ${problem}`, rest);
      if (parse.kind !== 'frame') return;
      rest = rest.subarray(parse.size);
    }
  }

  /** Fails with `summary`, the offending header's bytes and words, and the transcript. */
  private failOnHeader(header: FrameHeaderRead, summary: string, at = this.unread): never {
    throw new WireError(`${summary}\n  the header: ${hex(at.subarray(0, header.headerLength))} | ${describeHeader(header)}`, this.transcript());
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
