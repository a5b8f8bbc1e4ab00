/**
 * The client's connection: one state machine that calls the chapters' layers, sans-I/O, from the
 * other end of the wire (RFC 6455 §4.1, §5.1, §7.1.1).
 *
 * Nearly everything is the server's layers, reused as they are: chapter 02's ByteQueue (one queue
 * for the response head and the frames after it), chapter 05's decoder (told that frames come
 * unmasked) and encoder (given a key per frame), chapter 06's close payloads and replies, chapter
 * 07's assembler and UTF-8 checks, chapter 08's watchdog for the handshake and close deadlines.
 * Chapter 14 adds what only a client does: the request, the response's checks, a fresh masking key
 * per frame, the refusal of masked server frames, and the 3xx decision. With `perMessageDeflate`,
 * chapter 13's compression runs from this side too (client-deflate.ts).
 *
 * Like the server's connection (connection.ts), it never touches a socket or a timer: the adapter
 * (server/app/client.ts) feeds it bytes, tells it when TCP is gone, and asks for its deadline.
 *
 * ```
 * handshake ──valid 101──▶ open ──our close frame sent──▶ closing
 * handshake ──a refusal──▶ refused (its body is read) ──▶ ending
 * handshake ──a 3xx followed, or a failure──────────────▶ ending
 * open, closing ──close frames exchanged──▶ awaiting-tcp-close ──server closes TCP or timeout──▶ closed
 * open, closing ──a failure──▶ ending
 * any ──TCP gone──▶ closed
 * ```
 *
 * The client's closing rule differs from the server's (§7.1.1): once both close frames are
 * exchanged, the server closes TCP first, so the client waits for that, and gives up only after
 * `closeTimeout` (a server that never closes must not keep the client's socket).
 */
import { CloseCode } from '../../core/close-code.ts';
import type { Frame } from '../../core/frame.ts';
import { MAX_CONTROL_PAYLOAD, Opcode } from '../../core/frame.ts';
import { ReadyState } from '../../core/ready-state.ts';
import type { HeadLimits } from '@impl/02-http-head/request-head.ts';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import type { CloseInfo } from '@impl/06-closing/close.ts';
import type { Message, MessageAssembler } from '@impl/07-messages/assembler.ts';
import type { Timeouts, Watchdog } from '@impl/08-heartbeat/watchdog.ts';
import type { ClientRequestOptions } from '@impl/14-client/client-request.ts';
import type { RedirectOptions, ResponseHead, ResponseHeadParser } from '@impl/14-client/client-response.ts';
import type { ClientDeflateOptions } from './client-deflate.ts';
import { DEFLATE_OFFER, acceptDeflate, encodeClientMessage } from './client-deflate.ts';
import type { Compression } from './deflate.ts';
import { compressedFrameOpcode, inflateMessage } from './deflate.ts';
import { unzeroedBytes } from './bytes.ts';
import * as layers from './layers.ts';
import { deliveringText, payloadOf } from './text.ts';

export interface ClientConnectionOptions extends ClientRequestOptions, RedirectOptions, Partial<Timeouts> {
  /** Largest message, and so largest frame, accepted from the server (default 64 MiB) → 1009. */
  readonly maxPayload?: number;
  /** Most frames one message may come in (default 16,384) → 1008. */
  readonly maxFragments?: number;
  /** Response head limits (default 8 KiB, 100 fields). */
  readonly headLimits?: HeadLimits;
  /** Most bytes of a refusal's body kept for the error (default 64 KiB). */
  readonly maxRefusalBody?: number;
  /** Redirects already followed to get here (the application counts them). */
  readonly redirectsFollowed?: number;
  /** Chapter 13 from the client's side: offer permessage-deflate (RFC 7692); default off. */
  readonly perMessageDeflate?: boolean | ClientDeflateOptions;
}

/** What a client connection tells its application. */
export type ClientEvent =
  /** The 101 was valid: the connection is OPEN. */
  | { readonly type: 'open'; readonly protocol: string | null; readonly extensions: readonly string[]; readonly head: ResponseHead }
  /** A 3xx to follow: the application opens a new connection to `url` (this one ends). */
  | { readonly type: 'redirect'; readonly url: URL; readonly head: ResponseHead }
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'ping'; readonly payload: Uint8Array }
  | { readonly type: 'pong'; readonly payload: Uint8Array }
  /** The server's close frame arrived. */
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  /** The TCP connection is gone. `wasClean`: both close frames were exchanged; else code is 1006. */
  | { readonly type: 'closed'; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  /** The handshake failed (a HandshakeError) or the server broke the protocol. */
  | { readonly type: 'error'; readonly error: Error };

/** Where a client connection's output goes: the adapter implements it, tests record it. */
export interface ClientSink {
  write(chunks: readonly Uint8Array[]): void;
  /** Close our side of TCP once everything written is sent. */
  end(): void;
  /** Drop TCP now (a deadline passed). */
  destroy(reason: string): void;
  emit(event: ClientEvent): void;
}

type Phase =
  /** CONNECTING: the request is out (or about to be), the response head is awaited. */
  | { readonly name: 'handshake'; readonly key: string; readonly parser: ResponseHeadParser }
  /** CONNECTING: a refusal's head came; its body is read until Content-Length, the limit or TCP close. */
  | { readonly name: 'refused'; readonly head: ResponseHead; readonly message: string; readonly expected: number; readonly body: Uint8Array[]; received: number }
  | { readonly name: 'open' }
  /** CLOSING: our close frame is out. */
  | { readonly name: 'closing' }
  /** CLOSING: both close frames exchanged at `since`; the server is to close TCP (§7.1.1). */
  | { readonly name: 'awaiting-tcp-close'; readonly peerClose: CloseInfo; readonly since: number }
  /** Failed or redirected: our TCP close is asked for, nothing more is read. */
  | { readonly name: 'ending' }
  | { readonly name: 'closed' };

/** Default most bytes of a refusal body kept: 64 KiB. */
export const DEFAULT_MAX_REFUSAL_BODY = 64 * 1024;

export class ClientConnection {
  private phase: Phase;
  private readonly queue = new layers.ByteQueue();
  private readonly messages: MessageAssembler;
  private readonly maxPayload: number;
  private readonly watchdog: Watchdog;
  private readonly closeTimeout: number;
  /** The extensions offered: the application's, and permessage-deflate when asked for. */
  private readonly extensions: readonly string[];
  /** The compression the server agreed to, or null (none offered, or declined). */
  private compression: Compression | null = null;

  constructor(
    readonly url: URL,
    private readonly sink: ClientSink,
    private readonly options: ClientConnectionOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.phase = { name: 'handshake', key: layers.generateKey(), parser: new layers.ResponseHeadParser(options.headLimits ?? layers.defaultHeadLimits) };
    this.maxPayload = options.maxPayload ?? layers.DEFAULT_MAX_MESSAGE_LENGTH;
    this.messages = new layers.MessageAssembler({ maxMessageLength: this.maxPayload, maxFragments: options.maxFragments ?? layers.DEFAULT_MAX_FRAGMENTS, utf8: layers.utf8Checks, allocate: unzeroedBytes });
    // A client pings only when asked to (pingInterval); the server's heartbeat keeps most connections alive.
    const timeouts = layers.withDefaultTimeouts({ pingInterval: Infinity, ...options });
    this.closeTimeout = timeouts.closeTimeout;
    const deflate = options.perMessageDeflate ?? false;
    this.extensions = deflate === false ? (options.extensions ?? []) : [...(options.extensions ?? []), DEFLATE_OFFER];
    this.watchdog = new layers.Watchdog(timeouts, now());
  }

  get readyState(): ReadyState {
    switch (this.phase.name) {
      case 'handshake':
      case 'refused':
        return ReadyState.CONNECTING;
      case 'open':
        return ReadyState.OPEN;
      case 'closing':
      case 'awaiting-tcp-close':
      case 'ending':
        return ReadyState.CLOSING;
      case 'closed':
        return ReadyState.CLOSED;
      default: {
        const unknown: never = this.phase;
        throw new Error(`unknown phase ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** TCP (and TLS) is up: writes the opening handshake request (§4.1). */
  start(): void {
    if (this.phase.name !== 'handshake') return;
    try {
      const request = layers.buildRequest(this.url, this.phase.key, { ...this.options, extensions: this.extensions });
      this.sink.write([latin1Bytes(request)]);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Feeds bytes read from the server. */
  receive(bytes: Uint8Array): void {
    const { name } = this.phase;
    if (name !== 'handshake' && name !== 'refused' && name !== 'open' && name !== 'closing') return;
    this.watchdog.activity(this.now());
    try {
      this.queue.push(bytes);
      if (this.phase.name === 'handshake') this.readHead(this.phase.key, this.phase.parser);
      if (this.phase.name === 'refused') this.readRefusalBody(this.phase);
      // Bytes right after the 101 (even in the same segment) are frames: the same queue goes on.
      while ((this.phase.name === 'open' || this.phase.name === 'closing') && this.queue.length > 0) {
        const options = this.decodeOptions();
        const header = layers.decodeFrameHeader(this.queue, options);
        if (header === null) break;
        layers.checkServerFrame(header);
        const frame = layers.decodeFrame(this.queue, options);
        if (frame === null) break;
        this.handleFrame(frame);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Sends a message in one masked frame, framed as `Connection.send` frames it. False unless OPEN. */
  send(data: string | Uint8Array, binary = typeof data !== 'string'): boolean {
    if (this.phase.name !== 'open') return false;
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    const payload = payloadOf(data, binary);
    this.sink.write(this.compression === null ? layers.encodeClientFrame(opcode, payload) : encodeClientMessage(this.compression, opcode, payload));
    return true;
  }

  /** Sends a ping (payload up to 125 bytes). False unless OPEN. */
  ping(payload: Uint8Array = new Uint8Array(0)): boolean {
    if (this.phase.name !== 'open') return false;
    this.sink.write(layers.encodeClientFrame(Opcode.Ping, payload));
    return true;
  }

  /** Starts the closing handshake; before OPEN, abandons the handshake (TCP closes, 1006). */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.phase.name === 'handshake' || this.phase.name === 'refused') return this.end();
    if (this.phase.name !== 'open') return;
    this.sendClose({ code, reason });
    this.phase = { name: 'closing' };
  }

  /**
   * The TCP connection is gone; `cause` is the socket's error, if it had one (a refused connection,
   * a failed TLS handshake), which is then what a connection still in its handshake reports.
   */
  transportClosed(cause?: Error): void {
    const before = this.phase;
    if (before.name === 'closed') return;
    if (before.name === 'refused') this.failRefused(before);
    else if (before.name === 'handshake') {
      const error = cause ?? new layers.HandshakeError('the server closed the connection before it answered the handshake (RFC 6455 §4.1)');
      this.sink.emit({ type: 'error', error });
    }
    this.phase = { name: 'closed' };
    this.watchdog.stop();
    const peerClose = before.name === 'awaiting-tcp-close' ? before.peerClose : null;
    this.sink.emit(
      peerClose === null
        ? { type: 'closed', code: CloseCode.Abnormal, reason: '', wasClean: false }
        : { type: 'closed', code: peerClose.code, reason: peerClose.reason, wasClean: true },
    );
  }

  /** When {@link ClientConnection.checkTimers} next has something to do (null: never). */
  deadline(): number | null {
    if (this.phase.name === 'awaiting-tcp-close') return this.phase.since + this.closeTimeout;
    if (this.phase.name === 'ending' || this.phase.name === 'closed') return null;
    return this.watchdog.deadline();
  }

  /** Acts on what is due: a ping, or dropping a server that let a deadline pass. */
  checkTimers(): void {
    if (this.phase.name === 'awaiting-tcp-close') {
      if (this.now() < this.phase.since + this.closeTimeout) return;
      // §7.1.1: the client MAY close TCP itself when the server does not in a reasonable time.
      return this.sink.destroy(`the server did not close TCP within ${this.closeTimeout} ms of the closing handshake (RFC 6455 §7.1.1)`);
    }
    const due = this.watchdog.check(this.now());
    if (due === null) return;
    if (due.action === 'ping') {
      this.ping();
      return;
    }
    this.watchdog.stop();
    if (this.phase.name === 'refused') this.failRefused(this.phase);
    else if (this.phase.name === 'handshake') this.sink.emit({ type: 'error', error: new layers.HandshakeError(`no handshake response within ${this.options.handshakeTimeout ?? layers.withDefaultTimeouts().handshakeTimeout} ms`) });
    // Nothing more is reported for this connection but the TCP close (1006).
    this.phase = { name: 'ending' };
    this.sink.destroy(due.reason);
  }

  /** 1. Wait for the whole head. 2. A 3xx to follow? 3. Check it: open, or read the refusal's body. */
  private readHead(key: string, parser: ResponseHeadParser): void {
    const head = parser.parse(this.queue);
    if (head === null) return;
    const next = layers.redirectTarget(head, this.url, this.options.redirectsFollowed ?? 0, this.options);
    if (next !== null) {
      this.sink.emit({ type: 'redirect', url: next, head });
      return this.end();
    }
    try {
      const agreed = layers.checkResponse(head, { key, protocols: this.options.protocols, extensions: this.extensions });
      const deflate = this.options.perMessageDeflate ?? false;
      if (deflate !== false) this.compression = acceptDeflate(agreed.extensions, deflate === true ? {} : deflate);
      this.phase = { name: 'open' };
      this.watchdog.opened(this.now());
      this.sink.emit({ type: 'open', protocol: agreed.protocol, extensions: agreed.extensions, head });
    } catch (error) {
      if (!(error instanceof layers.HandshakeError) || head.status === 101) throw error;
      // A refusal: its body says why (a 401's challenge, a 404's page). Read what there is of it.
      const length = Number(head.headers.get('content-length')?.[0] ?? NaN);
      const limit = this.options.maxRefusalBody ?? DEFAULT_MAX_REFUSAL_BODY;
      const expected = Number.isSafeInteger(length) && length >= 0 ? Math.min(length, limit) : limit;
      this.phase = { name: 'refused', head, message: error.message, expected, body: [], received: 0 };
    }
  }

  private readRefusalBody(phase: Extract<Phase, { name: 'refused' }>): void {
    const piece = this.queue.consume(Math.min(this.queue.length, phase.expected - phase.received));
    phase.body.push(piece.slice());
    phase.received += piece.length;
    if (phase.received < phase.expected) return;
    this.failRefused(phase);
    this.end();
  }

  private failRefused(phase: Extract<Phase, { name: 'refused' }>): void {
    const body = Buffer.concat(phase.body);
    this.sink.emit({ type: 'error', error: new layers.HandshakeError(phase.message, phase.head.status, phase.head.headers, body) });
  }

  private decodeOptions(): DecodeOptions {
    // Frames from a server come unmasked (§5.1): checkServerFrame refuses a masked one.
    const allowance = Math.max(this.maxPayload - this.messages.bufferedLength, MAX_CONTROL_PAYLOAD);
    // RFC 7692 §6: RSV1 means "compressed" once permessage-deflate was agreed, and nothing before.
    return { maxPayloadLength: allowance, requireMask: false, unmask: layers.unmask, allowedRsv: this.compression === null ? undefined : ALLOW_RSV1 };
  }

  private handleFrame(frame: Frame): void {
    // RSV1 passes the decoder only with compression: on a control or continuation frame this throws (§6.1).
    if (frame.rsv1) frame = { ...frame, opcode: compressedFrameOpcode(this.compression!, frame) };
    switch (frame.opcode) {
      case Opcode.Ping:
        // §5.5.2: answer with a pong carrying the same payload (masked, as every client frame).
        this.sink.write(layers.encodeClientFrame(Opcode.Pong, frame.payload));
        this.sink.emit({ type: 'ping', payload: frame.payload });
        return;
      case Opcode.Pong:
        this.sink.emit({ type: 'pong', payload: frame.payload });
        return;
      case Opcode.Close:
        return this.receiveClose(frame.payload);
      default: {
        // Data after our close frame is still delivered: only sending it is over (§5.5.1). The
        // server may be answering messages sent just before our close (a pipe that ends at once).
        const assembled = this.messages.push(frame);
        if (assembled === null) return;
        const compression = this.compression;
        const message = compression === null ? assembled : inflateMessage(compression, assembled, this.maxPayload);
        // While its listeners run, a text message's bytes are known to be valid UTF-8 (text.ts).
        const outer = deliveringText(message.type === 'text' ? message.data : null);
        try {
          this.sink.emit({ type: 'message', message });
        } finally {
          deliveringText(outer);
        }
      }
    }
  }

  /** The server's close frame: answer it (or it answers ours), then wait for the server's TCP close. */
  private receiveClose(payload: Uint8Array): void {
    const received = layers.parseClosePayload(payload);
    const reply = layers.replyToClose(this.readyState, received);
    if (reply !== null) this.sendClose(reply);
    this.sink.emit({ type: 'close', code: received.code, reason: received.reason });
    this.watchdog.stop();
    this.phase = { name: 'awaiting-tcp-close', peerClose: received, since: this.now() };
  }

  /**
   * The one place a client connection fails (§7.1.7): before OPEN, the TCP connection just closes;
   * afterwards a close frame with the error's code goes first. The application sees 1006 either
   * way, as the browser reports a failed connection.
   */
  private fail(error: unknown): void {
    this.sink.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    if (this.phase.name === 'open') this.sendClose(layers.closeForError(error));
    this.end();
  }

  private sendClose(info: CloseInfo): void {
    this.sink.write(layers.encodeClientFrame(Opcode.Close, layers.encodeClosePayload(info.code, info.reason)));
    this.watchdog.closing(this.now());
  }

  private end(): void {
    if (this.phase.name === 'ending' || this.phase.name === 'closed') return;
    this.phase = { name: 'ending' };
    this.watchdog.stop();
    this.sink.end();
  }
}

const ALLOW_RSV1 = { rsv1: true } as const;

/** A request head (ASCII, latin1 at most) as bytes. */
function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}
