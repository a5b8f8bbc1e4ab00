/**
 * The socket glue: the only place where a Connection meets a real socket.
 *
 * Chapter 01's listener accepts sockets; for each one this module builds a sans-I/O
 * {@link Connection} and a {@link SocketGlue}, which is the connection's sink (it writes the
 * connection's bytes to the socket, closes or drops the socket when told) and the listener's
 * handler (it feeds the socket's bytes in, reports its close). The application gets a
 * {@link SocketConnection}, a handle with the documented API only.
 *
 * Writes: every small frame answered while one chunk is read is gathered and leaves as one buffer
 * in one `write` (a burst of 16 echoes is one system call and one write request, not 16); a large
 * frame leaves as header and payload in one writev, without a copy.
 *
 * Memory: an idle connection should cost little more than Node's own socket, so the glue holds
 * nothing per connection that can be shared or made later. What every connection of a server shares
 * (options, limits, the application, the monitor, the one timer of timeouts.ts) is one object,
 * {@link Shared}; the glue's methods are on its class, not closures made per socket; a `'drain'`
 * listener is added only when a write is refused; the peer's address is read only if a monitor
 * prints it (reading it makes Node keep a copy on the socket). `npx tsx tools/bench/memory-idle.ts
 * --heap-snapshot` lists what one connection holds, class by class.
 *
 * Chapter 09's flow control is applied in three places:
 *
 * 1. a write the socket cannot take at once (`write()` returns false) with more than
 *    `pauseReadingAbove` bytes (default 256 KiB) then queued for the client blocks reading until
 *    `'drain'`;
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
import { plainBytes } from './bytes.ts';
import { Connection } from './connection.ts';
import type { ConnectionHandler } from './layers.ts';
import { FlowControl, listen, withDefaultFlowLimits, withDefaultTimeouts } from './layers.ts';
import type { ByteTap, Link } from './socket-connection.ts';
import { SocketConnection } from './socket-connection.ts';
import type { DeadlineTimer, Scheduled } from './timeouts.ts';
import { DeadlineSweep } from './timeouts.ts';

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
  /**
   * Chapter 09: after a write the socket could not take at once, reading from that client stops
   * until `'drain'` if more than this many bytes wait in its queue (default 256 KiB). Node refuses
   * a write past its own high-water mark (16 KiB on Node 20), which every large echo passes:
   * pausing there would stop reading after each one. 0: pause at every refused write.
   */
  readonly pauseReadingAbove?: number;
}

/** Default of {@link ServerOptions.pauseReadingAbove}. */
export const DEFAULT_PAUSE_READING_ABOVE = 256 * 1024;

/** Watches every connection from the side (the demo's connection log): it is told, never asked. */
export interface ConnectionMonitor {
  /** A TCP connection was accepted; `peer()` says from where (`address:port`), if the monitor asks. */
  accepted(connection: SocketConnection, peer: () => string): void;
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
  if (event.type === 'message') connection.send(event.message.data, event.message.type === 'binary');
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
  const shared = shareOptions(options);
  const listener = await listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, (socket) => new SocketGlue(socket, shared));
  return { port: listener.port, host: listener.host, close: () => listener.close() };
}

/** What every connection of a server built with `options` shares. */
function shareOptions(options: ServerOptions): Shared {
  const timeouts = withDefaultTimeouts(options);
  return {
    options,
    limits: withDefaultFlowLimits(options),
    app: options.app ?? echoApp,
    monitor: options.monitor ?? null,
    pauseReadingAbove: options.pauseReadingAbove ?? DEFAULT_PAUSE_READING_ABOVE,
    sweep: new DeadlineSweep([timeouts.handshakeTimeout, timeouts.pingInterval, timeouts.pongTimeout, timeouts.closeTimeout], now),
  };
}

/** Serves sockets that another server accepted (node:http's `'upgrade'` event: http-upgrade.ts). */
export interface SocketAttacher {
  /**
   * Builds the glue for `socket`, tells `register` the connection's handle (before any event),
   * then feeds it `firstBytes` and, from then on, every chunk the socket reads.
   */
  attach(socket: net.Socket, firstBytes: readonly Uint8Array[], register?: (connection: SocketConnection) => void): void;
  /** Destroys every socket still attached; resolves once each one is closed. */
  close(): Promise<void>;
}

/**
 * The glue of {@link startServer} without its listener: the same connections, for sockets the
 * caller accepted. A TLS socket is a stream like any other, so `https` sockets attach the same way.
 */
export function createSocketAttacher(options: ServerOptions = {}): SocketAttacher {
  const shared = shareOptions(options);
  const open = new Set<net.Socket>();
  return {
    attach(socket, firstBytes, register) {
      const glue = new SocketGlue(socket, shared);
      register?.(glue.handle);
      open.add(socket);
      // As chapter 01's listener does: an error ends this socket only, 'close' reports it once.
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => glue.receive(chunk));
      // node:http's sockets allow half-open TCP; chapter 01's do not: a client that ends its side
      // gets the socket closed, as on the dedicated server (RFC 6455 §7.1.4 leaves it no other use).
      socket.on('end', () => socket.end());
      socket.on('close', () => {
        open.delete(socket);
        glue.closed();
      });
      for (const bytes of firstBytes) if (bytes.length > 0) glue.receive(bytes);
    },
    close() {
      // As in chapter 01: the promise of each 'close' is made now, not held by every idle socket.
      const gone = [...open].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
      for (const socket of open) socket.destroy();
      return Promise.all(gone).then(() => undefined);
    },
  };
}

/** What every connection of one server shares: held once, pointed to by each glue. */
interface Shared {
  readonly options: ServerOptions;
  readonly limits: FlowLimits;
  readonly app: App;
  readonly monitor: ConnectionMonitor | null;
  /** Bytes queued for a client past which a refused write stops reading (ServerOptions.pauseReadingAbove). */
  readonly pauseReadingAbove: number;
  /** The one timer of the server's deadlines (timeouts.ts). */
  readonly sweep: DeadlineSweep;
}

/** Up to this many bytes, a frame's chunks are joined before writing (measured with npm run bench). */
const SMALL_WRITE = 1024;
/**
 * Up to this many bytes, a frame answered while a chunk is read is copied into the gathering
 * buffer: copying 16 KiB costs a microsecond or two, a write system call of its own several times
 * that (measured with npm run bench: 1 KiB echoes cost as much as `ws`'s when each had its own).
 */
const GATHERED_WRITE = 16 * 1024;

const now = (): number => performance.now();

/**
 * The small frames answered while one socket's chunk is read (SocketGlue.receive), until they are
 * written as one buffer. `owner` is the socket reading now, or null.
 */
const gathering: { owner: SocketGlue | null; readonly bytes: Uint8Array; length: number } = {
  owner: null,
  bytes: new Uint8Array(4 * GATHERED_WRITE),
  length: 0,
};

/**
 * One socket's glue: the connection's sink, the listener's handler, and its own entry in the
 * server's deadline sweep (so no timer object per connection).
 */
class SocketGlue implements ConnectionSink, ConnectionHandler, Link, Scheduled, DeadlineTimer {
  readonly connection: Connection;
  readonly flow: FlowState;
  readonly handle: SocketConnection;
  tap: ByteTap | null = null;
  /** The sweep's bucket for this connection (kept by the sweep). */
  sweepTick = DeadlineSweep.UNSCHEDULED;
  /** A `'drain'` listener is waiting (added when a write was refused, gone once it fires). */
  private awaitingDrain = false;

  constructor(
    readonly socket: net.Socket,
    private readonly shared: Shared,
  ) {
    socket.setNoDelay(true);
    this.flow = new FlowControl(shared.limits);
    this.connection = new Connection(this, shared.options, now);
    this.handle = new SocketConnection(this);
    shared.monitor?.accepted(this.handle, () => `${socket.remoteAddress}:${socket.remotePort}`);
    this.arm();
  }

  get limits(): FlowLimits {
    return this.shared.limits;
  }

  /** The handle's way to say "the deadline may have moved earlier" (a close started): the glue itself. */
  get timer(): DeadlineTimer {
    return this;
  }

  // Deadlines (timeouts.ts).

  arm(): void {
    this.shared.sweep.schedule(this);
  }

  deadline(): number | null {
    return this.connection.deadline();
  }

  checkTimers(): void {
    this.connection.checkTimers();
  }

  // The listener's handler.

  receive(chunk: Uint8Array): void {
    if (this.tap) this.tap('in', chunk);
    // A plain view of the chunk for the layers, which slice it several times per frame (bytes.ts).
    const bytes = plainBytes(chunk);
    // Every small frame answered while handling this chunk is gathered and written once at its end.
    // Only one socket reads at a time, so one gathering buffer serves the whole process.
    gathering.owner = this;
    try {
      this.connection.receive(bytes);
    } finally {
      this.flushGathered();
      gathering.owner = null;
    }
    this.arm();
    this.applyFlow();
  }

  closed(): void {
    this.shared.sweep.unschedule(this);
    this.connection.transportClosed();
    this.shared.monitor?.gone(this.handle);
  }

  // The connection's sink.

  write(chunks: readonly Uint8Array[]): void {
    const { socket } = this;
    if (socket.destroyed) return;
    if (this.tap) for (const chunk of chunks) this.tap('out', chunk);
    const length = byteLength(chunks);
    if (gathering.owner === this && length <= GATHERED_WRITE) {
      // A small frame while this socket's chunk is read: copied now (the caller may reuse its
      // bytes), written when the chunk is done.
      if (gathering.length + length > gathering.bytes.length) this.flushGathered();
      for (const chunk of chunks) {
        gathering.bytes.set(chunk, gathering.length);
        gathering.length += chunk.length;
      }
      return;
    }
    // Whatever was gathered goes first: frames leave in the order they were written.
    this.flushGathered();
    let accepted: boolean;
    if (chunks.length === 1) accepted = socket.write(chunks[0]!);
    else if (length <= SMALL_WRITE) {
      // A small frame's header and payload copied into one buffer cost less than a writev of two.
      accepted = socket.write(Buffer.concat(chunks as Uint8Array[], length));
    } else {
      // A large payload is not copied: header and payload leave in one writev.
      accepted = true;
      socket.cork();
      for (const chunk of chunks) accepted = socket.write(chunk);
      socket.uncork();
    }
    this.afterWrite(accepted);
  }

  /** Writes the small frames gathered so far as one buffer (one copy, one write request). */
  private flushGathered(): void {
    if (gathering.owner !== this || gathering.length === 0) return;
    const out = Buffer.allocUnsafe(gathering.length);
    out.set(gathering.bytes.subarray(0, gathering.length));
    gathering.length = 0;
    if (this.socket.destroyed) return;
    this.afterWrite(this.socket.write(out));
  }

  /**
   * After a write: refused (over the socket's high-water mark) with more than `pauseReadingAbove`
   * bytes queued, reading stops until `'drain'` (chapter 09). Below that, the refusal only means
   * the kernel has not taken everything yet: reading on keeps large echoes flowing.
   */
  private afterWrite(accepted: boolean): void {
    if (!accepted && this.socket.writableLength > this.shared.pauseReadingAbove) {
      this.flow.writeRefused();
      this.awaitDrain();
      this.applyFlow();
    }
  }

  end(): void {
    // What was gathered (a close frame, a refusal) must go before the end.
    this.flushGathered();
    this.socket.end();
  }

  destroy(reason: string): void {
    this.shared.monitor?.dropped(this.handle, reason);
    this.socket.destroy();
  }

  emit(event: ConnectionEvent): void {
    this.shared.monitor?.event(this.handle, event);
    const result = this.shared.app(this.handle, event);
    if (event.type === 'message' && isPromiseLike(result)) this.track(result, event.message);
  }

  // Flow control.

  /**
   * Reading resumes when the socket's buffer is empty again. The listener exists only while a
   * write waits: most connections never fill their buffer, so most never pay for one.
   */
  private awaitDrain(): void {
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.socket.once('drain', () => {
      this.awaitingDrain = false;
      this.flow.drained();
      this.applyFlow();
    });
  }

  /** Asks chapter 09 what to do to the socket's read side, and does it. */
  private applyFlow(): void {
    if (this.socket.destroyed) return;
    const action = this.flow.readingAction();
    if (action === 'pause') this.socket.pause();
    if (action === 'resume') this.socket.resume();
  }

  /** A message handler's promise: the message stays pending until it settles. */
  private track(result: PromiseLike<void>, message: Message): void {
    const length = message.data.length;
    this.flow.messageStarted(length);
    const done = (): void => {
      this.flow.messageFinished(length);
      // The application made progress: the connection is not idle, even while reading is paused.
      this.connection.progressed();
      this.arm();
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
