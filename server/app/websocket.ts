/**
 * The application API (chapter 10): one client connection, as the application sees it — shaped like the browser's
 * WebSocket and the `ws` package's.
 *
 * The same names mean the same things on both ends of the wire: `readyState` (CONNECTING, OPEN,
 * CLOSING, CLOSED), `bufferedAmount`, `protocol`, `send()`, `close(code, reason)`, and events
 * `message`, `close` (code, reason, wasClean) and `error`. As in `ws`, a message listener gets the
 * data and whether it is binary (text arrives as a string, binary as a Uint8Array), and the server
 * side adds `ping()` and `terminate()`.
 *
 * An application that passes text on without reading it (an echo, a relay) may set
 * {@link WebSocket.textAsBytes}: text then arrives as its UTF-8 bytes (validated, not decoded,
 * with `isBinary` false, as `ws` delivers it) and goes back out as text with
 * `send(data, { binary: isBinary })`, never decoded into a string nor encoded again.
 *
 * Three things differ from an EventEmitter you may know:
 *
 * - a `message` listener may return a promise: until it settles, the message counts as pending and
 *   the server stops reading from this client above `maxPendingBytes` (chapter 09). A rejected
 *   promise closes the connection with 1011.
 * - `error` is emitted only when someone listens: a client that sends garbage gets its close code
 *   (RFC 6455 §7.1.7) and must not crash the server by having no error listener.
 * - `closed` is a promise of the close event, handy for awaiting the end of a connection.
 */
import { EventEmitter } from 'node:events';
import { ReadyState } from '../../core/ready-state.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { SendData } from '@impl/10-app/arguments.ts';
import type { ConnectionEvent } from '../wiring/connection.ts';
import { outgoingMessage, validateCloseArguments } from '../wiring/layers.ts';
import { textOf } from '../wiring/text.ts';
import type { ByteTap, SocketConnection } from '../wiring/socket-connection.ts';

/** How a connection ended, as the `close` event reports it. */
export interface CloseEventInfo {
  /** The code of the peer's close frame (1005 if it had none), or 1006 if there was no handshake. */
  readonly code: number;
  readonly reason: string;
  /** Whether both close frames were exchanged before TCP closed. */
  readonly wasClean: boolean;
}

export interface WebSocketEvents {
  message: [data: string | Uint8Array, isBinary: boolean];
  close: [code: number, reason: string, wasClean: boolean];
  error: [error: Error];
  ping: [payload: Uint8Array];
  pong: [payload: Uint8Array];
}

/** How `send()` frames its data. */
export interface SendOptions {
  /**
   * A binary message (true) or a text one (false). By default a string is text and bytes are
   * binary. Bytes sent as text must be valid UTF-8 (else a TypeError), and are checked unless they
   * are the text message being delivered right now, validated when it came.
   */
  readonly binary?: boolean;
}

/** What the server knows when a connection opens. */
export interface OpenInfo {
  readonly head: RequestHead;
  readonly path: string;
  readonly protocol: string | null;
}

export class WebSocket extends EventEmitter<WebSocketEvents> {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;

  /** The path of the request, e.g. `/chat`. */
  readonly path: string;
  /** The request-target as sent, query included, e.g. `/chat?room=1`. */
  readonly url: string;
  /** The subprotocol chosen in the handshake, `''` for none (as in the browser). */
  readonly protocol: string;
  /**
   * Text messages arrive as their UTF-8 bytes (a Uint8Array, `isBinary` false) instead of a
   * string: validated, never decoded. Default false, or the server's `textAsBytes` option; may be
   * changed at any time (in the `connection` listener, before any message).
   */
  textAsBytes: boolean;
  /** How it ended, once the TCP connection is gone. */
  private ended: CloseEventInfo | null = null;
  /** The promise of {@link WebSocket.closed}, made the first time someone asks for it. */
  private closedPromise: Promise<CloseEventInfo> | null = null;
  private resolveClosed: ((info: CloseEventInfo) => void) | null = null;

  constructor(
    private readonly connection: SocketConnection,
    opened: OpenInfo,
    textAsBytes = false,
  ) {
    super();
    this.textAsBytes = textAsBytes;
    this.path = opened.path;
    this.url = opened.head.target;
    this.protocol = opened.protocol ?? '';
  }

  /**
   * Settles with the close event's values once the TCP connection is gone. Made on first use: a
   * promise and its resolver are a few hundred bytes, and most connections are never awaited.
   */
  get closed(): Promise<CloseEventInfo> {
    if (this.closedPromise === null) {
      const ended = this.ended;
      this.closedPromise =
        ended !== null
          ? Promise.resolve(ended)
          : new Promise((resolve) => {
              this.resolveClosed = resolve;
            });
    }
    return this.closedPromise;
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    return this.connection.readyState;
  }

  /** Bytes queued for this client and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  /**
   * Sends a text (string) or binary (bytes) message, or as `options.binary` says. Returns whether
   * it was queued: false while CLOSING or CLOSED, or when chapter 09's slow-consumer policy refused
   * it. Throws like the browser while CONNECTING or for data of another type, and a TypeError for
   * bytes sent as text that are not UTF-8.
   */
  send(data: SendData, options?: SendOptions): boolean {
    const message = outgoingMessage(this.readyState, data);
    if (message === null) return false;
    return this.connection.send(message, options?.binary ?? typeof message !== 'string');
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): `code` 1000 or 3000–4999, `reason` at most
   * 123 bytes of UTF-8, or this throws as the browser does. Nothing happens once closing.
   */
  close(code?: number, reason?: string): void {
    const info = validateCloseArguments(code, reason);
    if (this.readyState !== ReadyState.OPEN) return;
    this.connection.close(info.code, info.reason);
  }

  /** Sends a ping (at most 125 bytes, RFC 6455 §5.5); the client answers with a pong event. */
  ping(data: string | Uint8Array = new Uint8Array(0)): void {
    const payload = typeof data === 'string' ? textEncoder.encode(data) : data;
    if (payload.length > 125) throw new RangeError('a ping carries at most 125 bytes (RFC 6455 §5.5)');
    this.connection.ping(payload);
  }

  /** Drops the TCP connection at once, without a closing handshake (the client sees 1006). */
  terminate(): void {
    this.connection.destroy();
  }

  /** Observes the raw bytes of this connection from now on (the demo's frame log); `null` stops. */
  observe(tap: ByteTap | null): void {
    this.connection.observe(tap);
  }

  /**
   * Turns one connection event into this object's events. Called by the server; returns a promise
   * while async `message` listeners run.
   */
  dispatch(event: ConnectionEvent): void | Promise<void> {
    switch (event.type) {
      case 'message': {
        const { type, data } = event.message;
        if (type === 'binary') return this.deliver(data, true);
        return this.deliver(this.textAsBytes ? data : textOf(data), false);
      }
      case 'ping':
        this.emit('ping', event.payload);
        return;
      case 'pong':
        this.emit('pong', event.payload);
        return;
      case 'closed':
        this.ended = { code: event.code, reason: event.reason, wasClean: event.wasClean };
        this.emit('close', event.code, event.reason, event.wasClean);
        this.resolveClosed?.(this.ended);
        return;
      case 'error':
        if (this.listenerCount('error') > 0) this.emit('error', event.error);
        return;
      case 'open':
      case 'request':
      case 'closing':
      case 'close':
        // The server handles the first two; 'closing' and the peer's 'close' frame are steps of the
        // handshake: the application hears about the end once, with 'close', when TCP is gone.
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** Calls each message listener; collects the promises the async ones return. */
  private deliver(data: string | Uint8Array, isBinary: boolean): void | Promise<void> {
    // The list of promises is made only when a listener returns one: most are synchronous.
    let pending: PromiseLike<unknown>[] | null = null;
    for (const listener of this.listeners('message')) {
      const result: unknown = listener.call(this, data, isBinary);
      if (isPromiseLike(result)) (pending ??= []).push(result);
    }
    if (pending === null) return;
    return Promise.all(pending).then(
      () => undefined,
      (error: unknown) => {
        if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
        throw error;
      },
    );
  }
}

const textEncoder = new TextEncoder();

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
