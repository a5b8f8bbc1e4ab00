/**
 * The socket glue: the only place where a Connection meets a real socket.
 *
 * Chapter 01's listener accepts sockets; for each one this module builds a sans-I/O
 * {@link Connection} and a sink that writes its output to the socket (a small frame as one joined
 * buffer, a large one as header and payload in one writev, every answer to one chunk corked into one
 * system call), closes the socket when told, and hands the events to the application as a
 * {@link SocketConnection}: the connection plus what only the socket knows (`bufferedAmount`,
 * `destroy()`).
 *
 * It also applies chapter 09's flow control, in three places:
 *
 * 1. a write the socket cannot take at once (`write()` returns false) blocks reading until `'drain'`;
 * 2. a message handler that returns a promise keeps the message's bytes "pending" until it
 *    settles; above `maxPendingBytes` the socket stops reading (`socket.pause()`) and resumes below
 *    half of it;
 * 3. before a message is queued for a client, `slowConsumerAction` (in socket-connection.ts) looks
 *    at the bytes already queued for it (`maxBufferedAmount`): send, skip, or close with 1008.
 *
 * Until chapter 09 is written, its stand-ins write plainly and never pause (one notice says so).
 */
import type * as net from 'node:net';
import type { ConnectionHandler } from '../01-tcp-listener/listener.ts';
import { listen } from '../01-tcp-listener/listener.ts';
import type { HttpResponse } from '../04-upgrade/handshake.ts';
import type { Message } from '../07-messages/assembler.ts';
import type { FlowLimits } from '../09-backpressure/flow-control.ts';
import { FlowControl, withDefaultFlowLimits } from '../09-backpressure/flow-control.ts';
import { CloseCode } from './close-code.ts';
import type { ConnectionEvent, ConnectionOptions, ConnectionSink } from './connection.ts';
import { Connection } from './connection.ts';
import { withStandIn } from './layers.ts';
import type { Link } from './socket-connection.ts';
import { SocketConnection } from './socket-connection.ts';
export type { ByteTap, Direction } from './socket-connection.ts';
export { SocketConnection } from './socket-connection.ts';
import type { TimeoutOptions } from './timeouts.ts';
import { startTimers } from './timeouts.ts';


/**
 * The application: told every event of every connection. For a `message` it may return a promise:
 * until it settles, the message's bytes count as pending (chapter 09).
 */
export type App = (connection: SocketConnection, event: ConnectionEvent) => void | PromiseLike<void>;

export interface ServerOptions extends ConnectionOptions, TimeoutOptions, Partial<FlowLimits> {
  /** TCP port (0 = any free one). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The application. Default: {@link echoApp}. */
  readonly app?: App;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops listening and drops every connection (a polite shutdown sends close frames first). */
  close(): Promise<void>;
}

/** Echo every message back as it came; answer a plain HTTP request with 426. */
export function echoApp(connection: Connection, event: ConnectionEvent): void {
  if (event.type === 'message') connection.send(event.message.data);
  if (event.type === 'request') connection.respond(upgradeRequired());
}

/** 426 Upgrade Required with `Sec-WebSocket-Version: 13` (RFC 6455 §4.4): "speak WebSocket here". */
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
  const listener = await listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, (socket) =>
    attach(socket, options, limits, app),
  );
  return { port: listener.port, host: listener.host, close: () => listener.close() };
}



function attach(socket: net.Socket, options: ServerOptions, limits: FlowLimits, app: App): ConnectionHandler {
  socket.setNoDelay(true);
  const link: Link = { socket, limits, flow: new FlowControl(limits), tap: null };
  const { flow } = link;
  const timers = startTimers(options, {
    ping: () => connection.ping(),
    drop: () => socket.destroy(),
  });

  /** Asks chapter 09 what to do to the socket's read side, and does it. */
  const applyFlow = (): void => {
    if (socket.destroyed) return;
    const action = withStandIn(() => flow.readingAction(), () => null, MEANWHILE_NO_PAUSE);
    if (action === 'pause') socket.pause();
    if (action === 'resume') socket.resume();
  };
  socket.on('drain', () => {
    flow.drained();
    applyFlow();
  });

  /** A message handler's promise: the message stays pending until it settles. */
  const track = (result: PromiseLike<void>, message: Message): void => {
    const length = typeof message.data === 'string' ? Buffer.byteLength(message.data) : message.data.length;
    flow.messageStarted(length);
    const done = (): void => {
      flow.messageFinished(length);
      // The application made progress: the connection is not idle, even while reading is paused.
      timers.activity();
      applyFlow();
    };
    result.then(done, () => {
      done();
      connection.close(CloseCode.InternalError, 'internal error');
    });
  };

  const sink: ConnectionSink = {
    write(chunks) {
      if (socket.destroyed) return;
      if (link.tap) for (const chunk of chunks) link.tap('out', chunk);
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
      // false: the socket's buffer is over its high-water mark; stop reading until 'drain' (chapter 09).
      if (!accepted) {
        flow.wrote(false);
        applyFlow();
      }
    },
    end() {
      socket.end();
    },
    emit(event) {
      if (event.type === 'open') timers.opened();
      if (event.type === 'closing') timers.closing();
      const result = app(connection, event);
      if (event.type === 'message' && isPromiseLike(result)) track(result, event.message);
    },
  };
  const connection = new SocketConnection(link, sink, options);

  return {
    receive: (bytes) => {
      timers.activity();
      if (link.tap) link.tap('in', bytes);
      // Every frame answered while handling this chunk leaves in one writev: one system call for
      // a burst of small messages instead of one per message (corks nest).
      socket.cork();
      try {
        connection.receive(bytes);
      } finally {
        socket.uncork();
      }
      applyFlow();
    },
    closed: () => {
      timers.stop();
      connection.transportClosed();
    },
  };
}

/** Up to this many bytes, a frame's chunks are joined before writing (measured with npm run bench). */
const SMALL_WRITE = 1024;

function byteLength(chunks: readonly Uint8Array[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

const MEANWHILE_NO_PAUSE =
  'reading never pauses: a client that sends faster than the application (or its own reads) keeps up grows the server without bound';

function isPromiseLike(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}
