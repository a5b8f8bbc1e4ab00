/**
 * The client API: a WebSocket connection opened from Node, shaped like the browser's `WebSocket`
 * (events `open`, `message`, `close`, `error`; `send`, `close(code, reason)`, `readyState`,
 * `protocol`, `extensions`, `bufferedAmount`), with the Node options of the `ws` package's
 * client (`headers`, `handshakeTimeout`, `maxPayload`, `followRedirects`, `maxRedirects`, TLS
 * options, and `perMessageDeflate` to offer compression, RFC 7692, server/wiring/client-deflate.ts).
 *
 * ```ts
 * const socket = new WebSocketClient('ws://127.0.0.1:8080/echo', ['chat'], { handshakeTimeout: 5000 });
 * socket.on('open', () => socket.send('hello'));
 * socket.on('message', (data, isBinary) => console.log(isBinary ? data : `got ${data}`));
 * socket.on('close', (code, reason, wasClean) => console.log(code, reason, wasClean));
 * ```
 *
 * This file is the client's socket adapter: the only place that opens a socket (`node:net` for
 * `ws:`, `node:tls` for `wss:`, with the host name as SNI and node's default certificate checks),
 * owns the deadline timer, and follows a redirect with a new connection. The protocol is
 * server/wiring/client-connection.ts, sans-I/O.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ReadyState } from '../../core/ready-state.ts';
import type { SendData } from '@impl/10-app/arguments.ts';
import type { ClientConnectionOptions, ClientEvent } from '../wiring/client-connection.ts';
import { plainBytes } from '../wiring/bytes.ts';
import { ClientConnection } from '../wiring/client-connection.ts';
import { HandshakeError, outgoingMessage, validateCloseArguments } from '../wiring/layers.ts';
import { textOf } from '../wiring/text.ts';
import type { CloseEventInfo, SendOptions } from './websocket.ts';

export { HandshakeError };

export interface WebSocketClientOptions extends Omit<ClientConnectionOptions, 'protocols' | 'redirectsFollowed'> {
  /** TLS options for `wss:` (e.g. `ca` for a private CA); `servername` defaults to the URL's host name. */
  readonly tls?: tls.ConnectionOptions;
  /** Text messages arrive as their validated UTF-8 bytes instead of strings (as on the server, chapter 10). Default false. */
  readonly textAsBytes?: boolean;
}

export interface WebSocketClientEvents {
  open: [];
  message: [data: string | Uint8Array, isBinary: boolean];
  close: [code: number, reason: string, wasClean: boolean];
  error: [error: Error];
  ping: [payload: Uint8Array];
  pong: [payload: Uint8Array];
  /** A 3xx was followed to this URL (`followRedirects`). */
  redirect: [url: string];
}

/** Header fields not carried to another host on a redirect (they belong to the first one). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);

export class WebSocketClient extends EventEmitter<WebSocketClientEvents> {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;

  /** The URL connected to (after any redirects). */
  url: string;
  /** The subprotocol the server chose, `''` for none (as in the browser). */
  protocol = '';
  /** The extensions the server accepted, as its `Sec-WebSocket-Extensions` field listed them (`''` for none). */
  extensions = '';
  private connection: ClientConnection;
  private socket: net.Socket;
  private timer: NodeJS.Timeout | undefined;
  private socketError: Error | undefined;
  private ended: CloseEventInfo | null = null;
  private readonly closedPromise: Promise<CloseEventInfo>;
  private resolveClosed!: (info: CloseEventInfo) => void;
  private readonly protocols: readonly string[];

  /** Opens a connection to `url` (`ws:` or `wss:`), offering `protocols`. Throws SyntaxError for a bad URL. */
  constructor(
    url: string | URL,
    protocols: string | readonly string[] = [],
    private readonly options: WebSocketClientOptions = {},
  ) {
    super();
    const parsed = parseUrl(url);
    this.url = parsed.href;
    this.protocols = typeof protocols === 'string' ? [protocols] : protocols;
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    [this.connection, this.socket] = this.connect(parsed, options.headers, 0);
    // The handshake timeout counts from here: it covers the TCP (and TLS) connect too.
    this.arm();
  }

  /** Resolves once OPEN; rejects with the error if the connection fails or closes first. */
  static connect(url: string | URL, protocols?: string | readonly string[], options?: WebSocketClientOptions): Promise<WebSocketClient> {
    const socket = new WebSocketClient(url, protocols, options);
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      const onError = (error: Error): void => {
        failure ??= error;
      };
      socket.on('error', onError);
      socket.once('open', () => {
        socket.off('error', onError);
        resolve(socket);
      });
      socket.once('close', (code) => {
        if (socket.readyState === ReadyState.CLOSED && failure !== undefined) reject(failure);
        else reject(new Error(`the connection closed (${code}) before it opened`));
      });
    });
  }

  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    return this.connection.readyState;
  }

  /** Bytes written and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** Settles with the close event's values once the TCP connection is gone. */
  get closed(): Promise<CloseEventInfo> {
    return this.closedPromise;
  }

  /**
   * Sends a text (string) or binary message, masked with a fresh key, or as `options.binary` says
   * (bytes sent as text must be UTF-8). False once CLOSING or CLOSED; throws like the browser while
   * CONNECTING or for data of another type.
   */
  send(data: SendData, options?: SendOptions): boolean {
    const message = outgoingMessage(this.readyState, data);
    if (message === null) return false;
    return this.connection.send(message, options?.binary ?? typeof message !== 'string');
  }

  /** Sends a ping (at most 125 bytes, RFC 6455 §5.5). */
  ping(data: string | Uint8Array = new Uint8Array(0)): void {
    const payload = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (payload.length > 125) throw new RangeError('a ping carries at most 125 bytes (RFC 6455 §5.5)');
    this.connection.ping(payload);
    this.arm();
  }

  /**
   * Starts the closing handshake (`code` 1000 or 3000–4999, `reason` at most 123 bytes of UTF-8,
   * or this throws as the browser does); before OPEN, abandons the connection (close event 1006).
   */
  close(code?: number, reason?: string): void {
    const info = validateCloseArguments(code, reason);
    this.connection.close(info.code, info.reason);
    this.arm();
  }

  /** Drops the TCP connection at once, without a closing handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  /** One TCP (or TLS) connection and its protocol state machine; a redirect makes another. */
  private connect(url: URL, headers: Readonly<Record<string, string>> | undefined, redirectsFollowed: number): [ClientConnection, net.Socket] {
    const secure = url.protocol === 'wss:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (secure ? 443 : 80));
    // The connection first: its constructor throws for a starter's TODO, before any socket is opened.
    let socket: net.Socket;
    const connection = new ClientConnection(url, {
      write: (chunks) => {
        socket.cork();
        for (const chunk of chunks) socket.write(chunk);
        process.nextTick(() => socket.uncork());
      },
      end: () => socket.end(),
      destroy: () => socket.destroy(),
      emit: (event) => {
        if (this.connection === connection) this.dispatch(event, headers, redirectsFollowed);
      },
    }, { ...this.options, headers, protocols: this.protocols, redirectsFollowed });
    socket = secure
      ? tls.connect({ host, port, ...(net.isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ['http/1.1'], ...this.options.tls })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      connection.start();
      this.arm();
    });
    socket.on('data', (chunk: Buffer) => {
      connection.receive(plainBytes(chunk));
      this.arm();
    });
    socket.on('error', (error) => {
      this.socketError ??= error;
    });
    socket.on('close', () => {
      if (this.connection !== connection) return;
      clearTimeout(this.timer);
      connection.transportClosed(this.socketError);
    });
    return [connection, socket];
  }

  /** Makes sure the connection is asked no later than its next deadline. */
  private arm(): void {
    clearTimeout(this.timer);
    const deadline = this.connection.deadline();
    if (deadline === null) return;
    this.timer = setTimeout(() => {
      this.connection.checkTimers();
      this.arm();
    }, Math.max(0, Math.ceil(deadline - performance.now())));
    this.timer.unref();
  }

  private dispatch(event: ClientEvent, headers: Readonly<Record<string, string>> | undefined, redirectsFollowed: number): void {
    switch (event.type) {
      case 'open':
        this.protocol = event.protocol ?? '';
        this.extensions = event.extensions.join(', ');
        this.emit('open');
        return;
      case 'redirect':
        return this.follow(event.url, headers, redirectsFollowed);
      case 'message': {
        const { type, data } = event.message;
        if (type === 'binary') this.emit('message', data, true);
        else this.emit('message', this.options.textAsBytes ? data : textOf(data), false);
        return;
      }
      case 'ping':
        this.emit('ping', event.payload);
        return;
      case 'pong':
        this.emit('pong', event.payload);
        return;
      case 'close':
        // A step of the closing handshake: the application hears of the end once, when TCP is gone.
        return;
      case 'closed':
        this.ended = { code: event.code, reason: event.reason, wasClean: event.wasClean };
        this.emit('close', event.code, event.reason, event.wasClean);
        this.resolveClosed(this.ended);
        return;
      case 'error':
        if (this.listenerCount('error') > 0) this.emit('error', event.error);
        return;
      default: {
        const unexpected: never = event;
        throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** A 3xx to follow: a new connection to `url`; credentials stay with the host they were meant for. */
  private follow(url: URL, headers: Readonly<Record<string, string>> | undefined, redirectsFollowed: number): void {
    const sameHost = url.host === new URL(this.url).host;
    const kept = headers === undefined || sameHost ? headers : Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
    const old = this.socket;
    this.url = url.href;
    this.socketError = undefined;
    [this.connection, this.socket] = this.connect(url, kept, redirectsFollowed + 1);
    old.destroy();
    this.arm();
    this.emit('redirect', url.href);
  }
}

/** `url` as a URL, checked as the browser does: `ws:` or `wss:`, no fragment (RFC 6455 §3). */
function parseUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(`${JSON.stringify(String(url))} is not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new SyntaxError(`a WebSocket URL is ws: or wss:, not ${parsed.protocol} (RFC 6455 §3)`);
  if (parsed.hash !== '') throw new SyntaxError('a WebSocket URL has no fragment (RFC 6455 §3)');
  return parsed;
}
