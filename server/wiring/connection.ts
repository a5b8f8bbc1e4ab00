/**
 * The connection: one state machine that calls every chapter's layer, sans-I/O.
 *
 * It never touches a socket or a timer. The socket glue (server.ts) feeds it the bytes it reads
 * (`receive`), tells it when the TCP connection is gone (`transportClosed`) and asks it when its
 * next deadline is (`deadline`, `checkTimers`, against the clock it was given). It answers through
 * its {@link ConnectionSink}: bytes to write, "close the TCP connection", "drop it now", and
 * events for the application. Tests drive it with plain byte arrays and a recording sink.
 *
 * Its whole state is one value, {@link Phase}; every transition is one assignment to `phase`:
 *
 * ```
 * reading-head ──101 written────────────────────▶ open ──our close frame sent──▶ closing
 * reading-head ──a plain request────────────────▶ answering
 * reading-head, answering ──refused, or answered──▶ ending (never opened)
 * open, closing ──the peer's close, or a failure──▶ ending
 * any ──the TCP connection is gone─────────────────▶ closed
 * ```
 *
 * Every error a layer throws while reading is caught in exactly one place, {@link Connection.fail}:
 * during the handshake it becomes an HTTP refusal, afterwards a close frame with the error's code
 * (RFC 6455 §7.1.7), then the TCP close.
 */
import { CloseCode } from '../../core/close-code.ts';
import { HttpError } from '../../core/errors.ts';
import type { Frame, FrameHeader } from '../../core/frame.ts';
import { MAX_CONTROL_PAYLOAD, Opcode, isControlOpcode } from '../../core/frame.ts';
import { closingHeaders } from '../../core/http.ts';
import { ReadyState } from '../../core/ready-state.ts';
import type { HeadLimits, RequestHeadParser } from '@impl/02-http-head/request-head.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { CloseInfo } from '@impl/06-closing/close.ts';
import type { DecodeOptions } from '@impl/05-frames/decode.ts';
import type { AssemblerOptions, Message, MessageAssembler } from '@impl/07-messages/assembler.ts';
import type { Timeouts, Watchdog } from '@impl/08-heartbeat/watchdog.ts';
import type { Compression, DeflateOptions } from './deflate.ts';
import { compressedFrameOpcode, encodeMessage, inflateMessage, negotiateCompression } from './deflate.ts';
import type { ConnectionSink } from './events.ts';
import { unzeroedBytes } from './bytes.ts';
import * as layers from './layers.ts';
import { deliveringText, payloadOf } from './text.ts';

export type { ConnectionEvent, ConnectionSink } from './events.ts';

export interface ConnectionOptions extends Partial<Timeouts> {
  /** Subprotocols the server speaks, in order of preference. */
  readonly protocols?: readonly string[];
  /** Request head limits (default 8 KiB, 100 fields). */
  readonly headLimits?: HeadLimits;
  /** Largest message, and so largest frame, in bytes (default 64 MiB) → 1009. */
  readonly maxMessageLength?: number;
  /** Most frames one message may come in (default 16,384) → 1008; chapter 07 says why that code. */
  readonly maxFragments?: number;
  /**
   * Chapter 13: negotiate permessage-deflate (RFC 7692) with clients that offer it, with these
   * settings (`true`: the defaults). Default: off, and every offer is declined.
   */
  readonly perMessageDeflate?: DeflateOptions | true;
}

/** Where a connection is. The RFC's four states, with what each needs to remember. */
type Phase =
  /** CONNECTING: the request head is still arriving. */
  | { readonly name: 'reading-head'; readonly parser: RequestHeadParser }
  /** CONNECTING: a plain HTTP request was handed to the application, which has not answered yet. */
  | { readonly name: 'answering' }
  /** OPEN: messages flow both ways. */
  | { readonly name: 'open' }
  /** CLOSING: our close frame is out; the peer's is awaited (frames are still read for it). */
  | { readonly name: 'closing' }
  /** The TCP close is asked for: nothing more is read. `peerClose` is set when both close frames were exchanged. */
  | { readonly name: 'ending'; readonly opened: boolean; readonly peerClose: CloseInfo | null }
  /** CLOSED: the TCP connection is gone. */
  | { readonly name: 'closed' };

export class Connection {
  private phase: Phase;
  /** One queue for the whole connection: the head parser and the frame decoder read the same bytes. */
  private readonly queue = new layers.ByteQueue();
  private readonly messages: MessageAssembler;
  private readonly maxMessageLength: number;
  /** The handshake, heartbeat and close deadlines (chapter 08), on the clock given. */
  private readonly watchdog: Watchdog;
  /** A data frame whose payload is still arriving (see {@link Connection.streamPayload}), or null. */
  private streaming: StreamingFrame | null = null;
  /** Chapter 13: the compression agreed in the handshake, or null (the default: none). */
  private compression: Compression | null = null;

  constructor(
    private readonly sink: ConnectionSink,
    private readonly options: ConnectionOptions = {},
    /** Milliseconds from any fixed origin; tests pass a clock they move by hand. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.phase = { name: 'reading-head', parser: new layers.RequestHeadParser(options.headLimits ?? layers.defaultHeadLimits) };
    const settings = settingsFor(options);
    this.maxMessageLength = settings.maxMessageLength;
    this.messages = new layers.MessageAssembler(settings.assembler);
    this.watchdog = new layers.Watchdog(settings.timeouts, now());
  }

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  get readyState(): ReadyState {
    switch (this.phase.name) {
      case 'reading-head':
      case 'answering':
        return ReadyState.CONNECTING;
      case 'open':
        return ReadyState.OPEN;
      case 'closing':
        return ReadyState.CLOSING;
      case 'ending':
        // A connection refused before OPEN never was a WebSocket.
        return this.phase.opened ? ReadyState.CLOSING : ReadyState.CLOSED;
      case 'closed':
        return ReadyState.CLOSED;
      default: {
        const unknown: never = this.phase;
        throw new Error(`unknown phase ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Feeds bytes read from the TCP connection. */
  receive(bytes: Uint8Array): void {
    // After the peer's close frame nothing more is read (RFC 6455 §5.5.1), and a refused or failed
    // connection, or one whose plain request awaits its answer, reads nothing either.
    const { name } = this.phase;
    if (name !== 'reading-head' && name !== 'open' && name !== 'closing') return;
    this.watchdog.activity(this.now());
    try {
      this.queue.push(bytes);
      if (this.phase.name === 'reading-head') this.readHead(this.phase.parser);
      while ((this.phase.name === 'open' || this.phase.name === 'closing') && this.queue.length > 0) {
        if (this.streaming !== null) {
          this.streamPayload(this.streaming);
          continue;
        }
        // The common case first: a whole frame is here (its header is then read once).
        const options = this.decodeOptions();
        const frame = layers.decodeFrame(this.queue, options);
        if (frame !== null) {
          this.handleFrame(frame);
          continue;
        }
        // Not all here. A control frame waits for its 125 bytes at most; a data frame whose header
        // is complete starts streaming its payload.
        const header = layers.decodeFrameHeader(this.queue, options);
        if (header === null || isControlOpcode(header.opcode)) break;
        this.startStreaming(header);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Answers a plain HTTP request (a `request` event), then closes the TCP connection. */
  respond(response: HttpResponse): void {
    if (this.phase.name !== 'answering') return;
    this.sink.write([layers.formatResponse({ ...response, headers: closingHeaders(response.headers) })]);
    this.end(false, null);
  }

  /**
   * Sends a message in one frame: text for a string, binary for bytes, unless `binary` says
   * otherwise (bytes sent as text must be UTF-8: text.ts). False if the connection is not OPEN.
   */
  send(data: string | Uint8Array, binary = typeof data !== 'string'): boolean {
    if (this.phase.name !== 'open') return false;
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    const payload = payloadOf(data, binary);
    this.sink.write(this.compression === null ? layers.encodeFrame(opcode, payload) : encodeMessage(this.compression, opcode, payload));
    return true;
  }

  /** Sends a ping (payload up to 125 bytes). False if the connection is not OPEN. */
  ping(payload: Uint8Array = new Uint8Array(0)): boolean {
    if (this.phase.name !== 'open') return false;
    this.sink.write(layers.encodeFrame(Opcode.Ping, payload));
    return true;
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): sends a close frame and waits for the peer's.
   * A code that may not be sent or a reason over 123 UTF-8 bytes throws a RangeError (chapter 06).
   * Before OPEN there is no WebSocket to close: the TCP connection just closes.
   */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.phase.name === 'reading-head' || this.phase.name === 'answering') return this.end(false, null);
    if (this.phase.name !== 'open') return;
    this.sendClose({ code, reason });
    this.phase = CLOSING;
  }

  /** The TCP connection is gone (closed by either side, reset, or destroyed). */
  transportClosed(): void {
    const before = this.phase;
    if (before.name === 'closed') return;
    this.phase = CLOSED;
    this.watchdog.stop();
    const opened = before.name === 'open' || before.name === 'closing' || (before.name === 'ending' && before.opened);
    if (!opened) return;
    const peerClose = before.name === 'ending' ? before.peerClose : null;
    this.sink.emit(
      peerClose === null
        ? { type: 'closed', code: CloseCode.Abnormal, reason: '', wasClean: false }
        : { type: 'closed', code: peerClose.code, reason: peerClose.reason, wasClean: true },
    );
  }

  /** The application finished with a message: the connection is not idle, even while reading is paused. */
  progressed(): void {
    this.watchdog.activity(this.now());
  }

  /** When {@link Connection.checkTimers} next has something to do, on the connection's clock (null: never). */
  deadline(): number | null {
    return this.watchdog.deadline();
  }

  /** Acts on what is due now: a heartbeat ping, or dropping a peer that let a deadline pass. */
  checkTimers(): void {
    const due = this.watchdog.check(this.now());
    if (due === null) return;
    if (due.action === 'ping') {
      this.ping();
      return;
    }
    // A deadline passed: the peer is not listening, so no close frame, just the TCP connection.
    this.watchdog.stop();
    this.sink.destroy(due.reason);
  }

  /** 1. Wait for the whole head. 2. Decide. 3. Answer 101 and open, or hand a plain request over. */
  private readHead(parser: RequestHeadParser): void {
    const head = parser.parse(this.queue);
    if (head === null) return;
    const decision = layers.decideHandshake(head, { protocols: this.options.protocols ?? [] });
    if (decision.kind === 'http') {
      this.phase = ANSWERING;
      this.sink.emit({ type: 'request', head, path: decision.path });
      return;
    }
    const response = layers.acceptResponse(decision);
    // Chapter 13: only a server given the option looks at the client's extension offers.
    const deflate = this.options.perMessageDeflate;
    this.compression = deflate === undefined ? null : negotiateCompression(head, deflate);
    const answer = this.compression === null ? response : { ...response, headers: { ...response.headers, 'Sec-WebSocket-Extensions': this.compression.header } };
    this.sink.write([layers.formatResponse(answer)]);
    this.phase = OPEN;
    this.watchdog.opened(this.now());
    this.sink.emit({ type: 'open', head, path: decision.path, protocol: decision.protocol });
  }

  private decodeOptions(): DecodeOptions {
    // RFC 7692 §6: RSV1 means "compressed" once permessage-deflate was agreed, and nothing before.
    const allowedRsv = this.compression === null ? undefined : ALLOW_RSV1;
    return { maxPayloadLength: this.frameAllowance(), requireMask: true, unmask: layers.unmask, allowedRsv };
  }

  /**
   * A data frame longer than what has arrived: its header is consumed now and its payload is handed
   * to the assembler piece by piece as it comes, so invalid text fails (1007) as soon as its bytes
   * are here, and a large frame's bytes are copied once, into the message, as they arrive.
   */
  private startStreaming(header: FrameHeader): void {
    this.queue.consume(header.headerLength);
    // Once our close frame is out, data is read and dropped (§7.1.2), as in handleFrame.
    const delivered = this.phase.name === 'open';
    // RSV1 is only ever set here when compression was agreed (the decoder refuses it otherwise).
    const opcode = header.rsv1 ? compressedFrameOpcode(this.compression!, header) : header.opcode;
    if (delivered) this.messages.startFrame(opcode, header.fin, header.payloadLength);
    this.streaming = { maskingKey: header.maskingKey, remaining: header.payloadLength, received: 0, delivered };
  }

  /** The next piece of the streaming frame's payload: unmasked where it lies, then to the assembler. */
  private streamPayload(frame: StreamingFrame): void {
    const piece = this.queue.consume(Math.min(this.queue.length, frame.remaining));
    if (frame.maskingKey !== null) layers.unmask(piece, frame.maskingKey, frame.received);
    frame.received += piece.length;
    frame.remaining -= piece.length;
    // Our close frame may have gone out since the frame began (the application closed, a deadline
    // passed): from then on its bytes are dropped too (§7.1.2).
    const delivered = frame.delivered && this.phase.name === 'open';
    if (delivered) this.messages.pushPayload(piece);
    if (frame.remaining > 0) return;
    this.streaming = null;
    if (!delivered) return;
    const message = this.messages.endFrame();
    if (message !== null) this.deliver(message);
  }

  private handleFrame(frame: Frame): void {
    // RFC 7692 §6.1: a control frame is never compressed (RSV1 passes the decoder only with compression).
    if (frame.rsv1 && isControlOpcode(frame.opcode)) compressedFrameOpcode(this.compression!, frame);
    switch (frame.opcode) {
      case Opcode.Ping:
        // RFC 6455 §5.5.2: answer with a pong carrying the same payload, unless the peer's close
        // frame already came (then nothing more is read, so no ping gets here). While only our
        // close is out, a ping is still answered: §5.5.1 forbids only data frames after it.
        this.sink.write(layers.encodeFrame(Opcode.Pong, frame.payload));
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
        if (this.phase.name === 'closing') return;
        // RSV1 (only possible once compression was agreed): the assembler gathers compressed bytes.
        const message = this.messages.push(frame.rsv1 ? { ...frame, opcode: compressedFrameOpcode(this.compression!, frame) } : frame);
        if (message !== null) this.deliver(message);
      }
    }
  }

  /**
   * A whole message to the application, inflated first when it came compressed (chapter 13). While
   * its listeners run, a text message's bytes are known to be valid UTF-8 (text.ts).
   */
  private deliver(assembled: Message): void {
    const compression = this.compression;
    const message = compression === null ? assembled : inflateMessage(compression, assembled, this.maxMessageLength);
    const outer = deliveringText(message.type === 'text' ? message.data : null);
    try {
      this.sink.emit({ type: 'message', message });
    } finally {
      deliveringText(outer);
    }
  }

  /**
   * The largest payload the next frame may declare. The message limit covers all fragments, so a
   * continuation claiming more than the message has left is refused from its header (1009), before
   * its payload is buffered. A control frame (up to 125 bytes) is not part of the message.
   */
  private frameAllowance(): number {
    return Math.max(this.maxMessageLength - this.messages.bufferedLength, MAX_CONTROL_PAYLOAD);
  }

  /** The peer's close frame: answer it (or complete ours), then the server closes TCP first (§7.1.1). */
  private receiveClose(payload: Uint8Array): void {
    const received = layers.parseClosePayload(payload);
    const oursWasOut = this.phase.name === 'closing';
    const reply = layers.replyToClose(this.readyState, received);
    if (reply !== null) this.sendClose(reply);
    this.sink.emit({ type: 'close', code: received.code, reason: received.reason });
    // Clean when both close frames were exchanged: ours went first, or just now as the reply.
    this.end(true, oursWasOut || reply !== null ? received : null);
  }

  /**
   * The one place a connection fails (RFC 6455 §7.1.7). During the handshake: an HTTP refusal
   * (its status for an HttpError, 500 with no details for anything else). Afterwards: a close
   * frame with the error's code (1011 for anything unexpected, with no details), then the TCP close.
   */
  private fail(error: unknown): void {
    this.sink.emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
    if (this.phase.name === 'reading-head' || this.phase.name === 'answering') {
      this.sink.write([layers.formatResponse(layers.refusalFor(error))]);
      return this.end(false, null);
    }
    if (this.phase.name === 'open') this.sendClose(layers.closeForError(error));
    this.end(true, null);
  }

  private sendClose(info: CloseInfo): void {
    this.sink.write(layers.encodeFrame(Opcode.Close, layers.encodeClosePayload(info.code, info.reason)));
    this.watchdog.closing(this.now());
    this.sink.emit({ type: 'closing', code: info.code, reason: info.reason });
  }

  /** Asks for the TCP close; `peerClose` when both close frames have now been exchanged. */
  private end(opened: boolean, peerClose: CloseInfo | null): void {
    if (this.phase.name === 'ending' || this.phase.name === 'closed') return;
    this.phase = { name: 'ending', opened, peerClose };
    this.sink.end();
  }
}

/** What the layers are given that depends only on the options: one object for every connection built with them. */
interface Settings {
  readonly maxMessageLength: number;
  readonly assembler: AssemblerOptions;
  readonly timeouts: Timeouts;
}

const settingsByOptions = new WeakMap<ConnectionOptions, Settings>();

/**
 * The settings for `options`, made the first time they are asked for: the connections of a server
 * share its options object, so they share these too (an idle connection holds no copy of them).
 */
function settingsFor(options: ConnectionOptions): Settings {
  let settings = settingsByOptions.get(options);
  if (settings === undefined) {
    const maxMessageLength = options.maxMessageLength ?? layers.DEFAULT_MAX_MESSAGE_LENGTH;
    settings = {
      maxMessageLength,
      assembler: {
        maxMessageLength,
        maxFragments: options.maxFragments ?? layers.DEFAULT_MAX_FRAGMENTS,
        utf8: layers.utf8Checks,
        allocate: unzeroedBytes,
      },
      timeouts: layers.withDefaultTimeouts(options),
    };
    settingsByOptions.set(options, settings);
  }
  return settings;
}

/** The phases that remember nothing are one shared object each, so a connection holds no copy. */
const ANSWERING: Phase = { name: 'answering' };
const OPEN: Phase = { name: 'open' };
const CLOSING: Phase = { name: 'closing' };
const CLOSED: Phase = { name: 'closed' };

/** The decoder's reserved-bit allowance once permessage-deflate is agreed. */
const ALLOW_RSV1 = { rsv1: true } as const;

/** Where the payload of a data frame that is still arriving stands. */
interface StreamingFrame {
  readonly maskingKey: Uint8Array | null;
  /** Payload bytes still to come. */
  remaining: number;
  /** Payload bytes unmasked so far: the key position of the next byte. */
  received: number;
  /** False once our close frame is out: the bytes are read and dropped. */
  readonly delivered: boolean;
}
