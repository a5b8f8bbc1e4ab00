/**
 * The connection: one state machine that calls every chapter's layer (sans-I/O).
 *
 * This file is the wiring, not an exercise. It never touches a socket: the socket glue feeds it the
 * bytes it reads (`receive`) and tells it when the TCP connection is gone (`transportClosed`); the
 * connection answers through its {@link ConnectionSink}: bytes to write, "close the TCP connection
 * now", and events for the application. The same core could serve another runtime, and tests drive
 * it with plain byte arrays.
 *
 * ```
 * CONNECTING ──101 written──▶ OPEN ──close sent or received──▶ CLOSING ──TCP closed──▶ CLOSED
 *      └────refused (4xx) or plain HTTP answered───────────────────────────────────────▲
 * ```
 *
 * Every error thrown by a layer while reading is caught in exactly one place, {@link Connection.fail}:
 * during the handshake it becomes an HTTP refusal, afterwards a close frame with the error's code
 * (RFC 6455 §7.1.7), then the TCP close.
 */
import { ByteQueue } from '../02-http-head/byte-queue.ts';
import type { HeadLimits } from '../02-http-head/request-head.ts';
import { RequestHeadParser, defaultHeadLimits } from '../02-http-head/request-head.ts';
import type { HttpResponse } from '../04-upgrade/handshake.ts';
import { acceptResponse, decideHandshake, formatResponse } from '../04-upgrade/handshake.ts';
import { decodeFrame } from '../05-frames/decode.ts';
import { encodeFrame } from '../05-frames/encode.ts';
import type { Frame } from '../05-frames/frame.ts';
import { MAX_CONTROL_PAYLOAD, Opcode } from '../05-frames/frame.ts';
import type { CloseInfo } from '../06-closing/close.ts';
import { encodeClosePayload, parseClosePayload } from '../06-closing/close.ts';
import { ReadyState, closeForError, replyToClose } from '../06-closing/closing-handshake.ts';
import { DEFAULT_MAX_MESSAGE_LENGTH, MessageAssembler } from '../07-messages/assembler.ts';
import { CloseCode } from './close-code.ts';
import { NotImplementedError } from './errors.ts';
import type { ConnectionEvent, ConnectionSink } from './events.ts';
export type { ConnectionEvent, ConnectionSink } from './events.ts';
import { unmask } from './fast-paths.ts';
import { noteMissing, withStandIn } from './layers.ts';
import { refusalFor, responseBytes } from './responses.ts';
import { singleFrameMessage } from './stand-ins.ts';

export interface ConnectionOptions {
  /** Subprotocols the server speaks, in order of preference. */
  readonly protocols?: readonly string[];
  /** Request head limits (default 8 KiB, 100 fields). */
  readonly headLimits?: HeadLimits;
  /** Largest message, and so largest frame, in bytes (default 64 MiB) → 1009. */
  readonly maxMessageLength?: number;
}

export class Connection {
  private state: ReadyState = ReadyState.CONNECTING;
  /** One queue for the whole connection: the head parser and the frame decoder read the same bytes. */
  private readonly queue = new ByteQueue();
  /** Needed only until the head is parsed; then released, with its memory. */
  private headParser: RequestHeadParser | null;
  private readonly messages: MessageAssembler;
  private readonly maxMessageLength: number;
  private closeSent = false;
  /** A plain HTTP request was handed to the application, which has not answered yet. */
  private requestPending = false;
  private closeReceived: CloseInfo | null = null;
  private ended = false;
  /** Payload bytes of the fragmented message in progress, for the limit across fragments. */
  private messageBytes = 0;

  constructor(
    private readonly sink: ConnectionSink,
    private readonly options: ConnectionOptions = {},
  ) {
    this.headParser = new RequestHeadParser(options.headLimits ?? defaultHeadLimits);
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.messages = new MessageAssembler({ maxMessageLength: this.maxMessageLength });
  }

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  get readyState(): ReadyState {
    return this.state;
  }

  /** Feeds bytes read from the TCP connection. */
  receive(bytes: Uint8Array): void {
    // After the peer's close frame nothing more is read (RFC 6455 §5.5.1), and a refused or
    // failed connection reads nothing either.
    if (this.ended || this.closeReceived !== null) return;
    try {
      this.queue.push(bytes);
      if (this.state === ReadyState.CONNECTING) this.readHandshake();
      while (this.state !== ReadyState.CONNECTING && !this.ended && this.closeReceived === null) {
        if (this.queue.length === 0) break;
        const frame = decodeFrame(this.queue, { maxPayloadLength: this.frameAllowance(), requireMask: true, unmask });
        if (frame === null) break;
        this.handleFrame(frame);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Answers a plain HTTP request (a `request` event), then closes the TCP connection. */
  respond(response: HttpResponse): void {
    if (this.ended) return;
    // RFC 9110 §7.8: a response that carries Upgrade lists it in Connection too.
    const upgrade = response.headers?.['Upgrade'] !== undefined;
    const connection = upgrade ? 'Upgrade, close' : 'close';
    this.sink.write([responseBytes({ ...response, headers: { ...response.headers, Connection: connection } })]);
    this.endTransport();
  }

  /** Sends a text (string) or binary (bytes) message in one frame. False if the connection is not OPEN. */
  send(data: string | Uint8Array): boolean {
    if (this.state !== ReadyState.OPEN) return false;
    if (typeof data === 'string') this.sink.write(encodeFrame(Opcode.Text, textEncoder.encode(data)));
    else this.sink.write(encodeFrame(Opcode.Binary, data));
    return true;
  }

  /** Sends a ping (payload up to 125 bytes). False if the connection is not OPEN. */
  ping(payload: Uint8Array = new Uint8Array(0)): boolean {
    if (this.state !== ReadyState.OPEN) return false;
    this.sink.write(encodeFrame(Opcode.Ping, payload));
    return true;
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): sends a close frame and waits for the peer's.
   * A code that may not be sent or a reason over 123 UTF-8 bytes throws a RangeError (chapter 06).
   */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.state === ReadyState.CONNECTING) return this.endTransport();
    if (this.state !== ReadyState.OPEN) return;
    this.sendClose({ code, reason });
    this.state = ReadyState.CLOSING;
  }

  /** The TCP connection is gone (closed by either side, reset, or destroyed). */
  transportClosed(): void {
    if (this.state === ReadyState.CLOSED) return;
    const wasOpen = this.state !== ReadyState.CONNECTING;
    this.state = ReadyState.CLOSED;
    this.ended = true;
    if (!wasOpen) return;
    const clean = this.closeSent && this.closeReceived !== null;
    this.sink.emit({
      type: 'closed',
      code: clean ? this.closeReceived!.code : CloseCode.Abnormal,
      reason: clean ? this.closeReceived!.reason : '',
      wasClean: clean,
    });
  }

  /** 1. Wait for the whole head. 2. Decide. 3. Answer 101 and open, or hand a plain request over. */
  private readHandshake(): void {
    if (this.requestPending) return;
    const head = this.headParser!.parse(this.queue);
    if (head === null) return;
    this.headParser = null;
    const decision = decideHandshake(head, { protocols: this.options.protocols ?? [] });
    if (decision.kind === 'http') {
      this.requestPending = true;
      this.sink.emit({ type: 'request', head, path: decision.path });
      return;
    }
    this.sink.write([formatResponse(acceptResponse(decision))]);
    this.state = ReadyState.OPEN;
    this.sink.emit({ type: 'open', head, path: decision.path, protocol: decision.protocol });
  }

  private handleFrame(frame: Frame): void {
    switch (frame.opcode) {
      case Opcode.Ping:
        // RFC 6455 §5.5.2: answer with a pong carrying the same payload, unless we are closing.
        if (!this.closeSent) this.sink.write(encodeFrame(Opcode.Pong, frame.payload));
        this.sink.emit({ type: 'ping', payload: frame.payload });
        return;
      case Opcode.Pong:
        // RFC 6455 §5.5.3: a pong may be unsolicited; it needs no answer.
        this.sink.emit({ type: 'pong', payload: frame.payload });
        return;
      case Opcode.Close:
        return this.receiveClose(frame.payload);
      default: {
        // Text, binary or continuation (the decoder refused reserved opcodes). Once our close frame
        // is out, data is discarded: we will not answer it anyway (§7.1.2).
        if (this.closeSent) return;
        const message = withStandIn(
          () => this.messages.push(frame),
          () => singleFrameMessage(frame),
          'text is not checked for UTF-8 and fragmented messages are refused',
        );
        this.messageBytes = message === null ? this.messageBytes + frame.payload.length : 0;
        if (message !== null) this.sink.emit({ type: 'message', message });
      }
    }
  }

  /**
   * The largest payload the next frame may declare. The message limit covers all fragments, so a
   * continuation claiming more than the message has left is refused from its header (1009), before
   * its payload is buffered. A control frame (up to 125 bytes) is not part of the message.
   */
  private frameAllowance(): number {
    return Math.max(this.maxMessageLength - this.messageBytes, MAX_CONTROL_PAYLOAD);
  }

  /** The peer's close frame: answer it (or complete ours), then the server closes TCP first (§7.1.1). */
  private receiveClose(payload: Uint8Array): void {
    const received = parseClosePayload(payload);
    const { reply, next, closeTransport } = replyToClose(this.state, received);
    this.closeReceived = received;
    if (reply !== null) this.sendClose(reply);
    this.state = next;
    this.sink.emit({ type: 'close', code: received.code, reason: received.reason });
    if (closeTransport) this.endTransport();
  }

  /**
   * The one place a connection fails (RFC 6455 §7.1.7). During the handshake: an HTTP refusal.
   * Afterwards: a close frame with the error's code (1011 for anything unexpected, with no
   * details), then the TCP close.
   */
  private fail(error: unknown): void {
    if (error instanceof NotImplementedError) {
      const during = this.state === ReadyState.CONNECTING;
      noteMissing(error, during ? 'a request that needs it is answered 501 Not Implemented' : 'a connection that needs it is closed');
    }
    this.sink.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    if (this.state === ReadyState.CONNECTING) {
      this.sink.write([responseBytes(refusalFor(error))]);
      this.state = ReadyState.CLOSED;
      return this.endTransport();
    }
    if (!this.closeSent) {
      try {
        this.sendClose(closeForError(error));
      } catch (inner) {
        // Until chapters 05–06 exist there is no close frame to send: the TCP close must do.
        if (!(inner instanceof NotImplementedError)) throw inner;
      }
    }
    this.state = ReadyState.CLOSING;
    this.endTransport();
  }

  private sendClose(info: CloseInfo): void {
    this.sink.write(encodeFrame(Opcode.Close, encodeClosePayload(info.code, info.reason)));
    this.closeSent = true;
    this.sink.emit({ type: 'closing', code: info.code, reason: info.reason });
  }

  private endTransport(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink.end();
  }
}

const textEncoder = new TextEncoder();
