/**
 * The socket glue: the only place where a Connection meets a real socket.
 *
 * Chapter 01's listener accepts sockets; for each one this module builds a sans-I/O
 * {@link Connection} and a {@link SocketGlue}, which is the connection's sink (it writes the
 * connection's bytes to the socket, closes or drops the socket when told) and the listener's
 * handler (it feeds the socket's bytes in, reports its close). The application gets a
 * {@link SocketConnection}, a handle with the documented API only.
 *
 * Writes: a small frame leaves as one joined buffer, a large one as header and payload in one
 * writev without a copy, and every answer to one chunk read is corked into one system call.
 *
 * Chapter 09's flow control is applied in three places:
 *
 * 1. a write the socket cannot take at once (`write()` returns false) blocks reading until `'drain'`;
 * 2. a message handler that returns a promise keeps the message's bytes "pending" until it
 *    settles; above `maxPendingBytes` the socket stops reading (`socket.pause()`) and resumes below
 *    half of it;
 * 3. before a message is queued for a client, `slowConsumerAction` (in socket-connection.ts) looks
 *    at the bytes already queued for it (`maxBufferedAmount`): send, skip, or close with 1008.
 */
import type * as net from 'node:net';
import { CloseCode } from '../../core/close-code.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { Message } from '@impl/07-messages/assembler.ts';
import type { FlowControl as FlowState, FlowLimits } from '@impl/09-backpressure/flow-control.ts';
import type { ConnectionEvent, ConnectionOptions, ConnectionSink } from './connection.ts';
import { Connection } from './connection.ts';
import type { ConnectionHandler } from './layers.ts';
import { FlowControl, listen, withDefaultFlowLimits } from './layers.ts';
import type { ByteTap, Link } from './socket-connection.ts';
import { SocketConnection } from './socket-connection.ts';
import { DeadlineTimer } from './timeouts.ts';

export type { ByteTap, Direction } from './socket-connection.ts';
export { SocketConnection } from './socket-connection.ts';

/**
 * The application: told every event of every connection. For a `message` it may return a promise:
 * until it settles, the message's bytes count as pending (chapter 09).
 */
export type App = (connection: SocketConnection, event: ConnectionEvent) => void | PromiseLike<void>;

export interface ServerOptions extends ConnectionOptions, Partial<FlowLimits> {
  /** TCP port (0 = any free one). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The application. Default: {@link echoApp}. */
  readonly app?: App;
  /** Told what happens to every connection, for a log (the demo's); it changes nothing. */
  readonly monitor?: ConnectionMonitor;
}

/** Watches every connection from the side (the demo's connection log): it is told, never asked. */
export interface ConnectionMonitor {
  /** A TCP connection was accepted from `peer` (`address:port`). */
  accepted(connection: SocketConnection, peer: string): void;
  /** An event of the connection, just before the application gets it. */
  event(connection: SocketConnection, event: ConnectionEvent): void;
  /** A deadline passed (chapter 08): the TCP connection is dropped without a close frame. */
  dropped(connection: SocketConnection, reason: string): void;
  /** The TCP connection is gone, whoever closed it (after the `closed` event, if it opened). */
  gone(connection: SocketConnection): void;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops listening and drops every connection (a polite shutdown sends close frames first). */
  close(): Promise<void>;
}

/** Echo every message back as it came; answer a plain HTTP request with 426. */
export function echoApp(connection: SocketConnection, event: ConnectionEvent): void {
  if (event.type === 'message') connection.send(event.message.data);
  if (event.type === 'request') connection.respond(upgradeRequired());
}

/** 426 Upgrade Required (RFC 9110 §15.5.22) with `Sec-WebSocket-Version: 13`: "speak WebSocket here". */
export function upgradeRequired(): HttpResponse {
  return {
    status: 426,
    headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'This is a WebSocket endpoint: connect with a WebSocket client.\n',
  };
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = options.app ?? echoApp;
  const limits = withDefaultFlowLimits(options);
  const listener = await listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, (socket) => new SocketGlue(socket, options, limits, app));
  return { port: listener.port, host: listener.host, close: () => listener.close() };
}

/** Up to this many bytes, a frame's chunks are joined before writing (measured with npm run bench). */
const SMALL_WRITE = 1024;

const now = (): number => performance.now();

/** One socket's glue: the connection's sink and the listener's handler. */
class SocketGlue implements ConnectionSink, ConnectionHandler, Link {
  readonly connection: Connection;
  readonly flow: FlowState;
  readonly timer: DeadlineTimer;
  readonly handle: SocketConnection;
  tap: ByteTap | null = null;
  private readonly monitor: ConnectionMonitor | null;

  constructor(
    readonly socket: net.Socket,
    options: ServerOptions,
    readonly limits: FlowLimits,
    private readonly app: App,
  ) {
    socket.setNoDelay(true);
    socket.on('drain', this.drained);
    this.flow = new FlowControl(limits);
    this.connection = new Connection(this, options, now);
    this.timer = new DeadlineTimer(this.connection, now);
    this.handle = new SocketConnection(this);
    this.monitor = options.monitor ?? null;
    this.monitor?.accepted(this.handle, `${socket.remoteAddress}:${socket.remotePort}`);
    this.timer.arm();
  }

  // The listener's handler.

  receive(bytes: Uint8Array): void {
    if (this.tap) this.tap('in', bytes);
    // Every frame answered while handling this chunk leaves in one writev: one system call for a
    // burst of small messages instead of one per message (corks nest).
    this.socket.cork();
    try {
      this.connection.receive(bytes);
    } finally {
      this.socket.uncork();
    }
    this.timer.arm();
    this.applyFlow();
  }

  closed(): void {
    this.timer.stop();
    this.connection.transportClosed();
    this.monitor?.gone(this.handle);
  }

  // The connection's sink.

  write(chunks: readonly Uint8Array[]): void {
    const { socket } = this;
    if (socket.destroyed) return;
    if (this.tap) for (const chunk of chunks) this.tap('out', chunk);
    let accepted: boolean;
    if (chunks.length === 1) accepted = socket.write(chunks[0]!);
    else if (byteLength(chunks) <= SMALL_WRITE) {
      // A small frame's header and payload copied into one buffer cost less than a writev of two.
      accepted = socket.write(Buffer.concat(chunks as Uint8Array[]));
    } else {
      // A large payload is not copied: header and payload leave in one writev.
      accepted = true;
      socket.cork();
      for (const chunk of chunks) accepted = socket.write(chunk);
      socket.uncork();
    }
    // The socket's buffer is over its high-water mark: stop reading until 'drain' (chapter 09).
    if (!accepted) {
      this.flow.writeRefused();
      this.applyFlow();
    }
  }

  end(): void {
    this.socket.end();
  }

  destroy(reason: string): void {
    this.monitor?.dropped(this.handle, reason);
    this.socket.destroy();
  }

  emit(event: ConnectionEvent): void {
    this.monitor?.event(this.handle, event);
    const result = this.app(this.handle, event);
    if (event.type === 'message' && isPromiseLike(result)) this.track(result, event.message);
  }

  // Flow control.

  private readonly drained = (): void => {
    this.flow.drained();
    this.applyFlow();
  };

  /** Asks chapter 09 what to do to the socket's read side, and does it. */
  private applyFlow(): void {
    if (this.socket.destroyed) return;
    const action = this.flow.readingAction();
    if (action === 'pause') this.socket.pause();
    if (action === 'resume') this.socket.resume();
  }

  /** A message handler's promise: the message stays pending until it settles. */
  private track(result: PromiseLike<void>, message: Message): void {
    const length = typeof message.data === 'string' ? Buffer.byteLength(message.data) : message.data.length;
    this.flow.messageStarted(length);
    const done = (): void => {
      this.flow.messageFinished(length);
      // The application made progress: the connection is not idle, even while reading is paused.
      this.connection.progressed();
      this.timer.arm();
      this.applyFlow();
    };
    result.then(done, () => {
      done();
      this.handle.close(CloseCode.InternalError, 'internal error');
    });
  }
}

function byteLength(chunks: readonly Uint8Array[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}
