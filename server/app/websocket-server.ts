/**
 * The application API's server (chapter 10): what an application built on this workbook imports.
 *
 * ```ts
 * const server = await createWebSocketServer({ port: 8080, protocols: ['chat'] });
 * server.on('connection', (socket, request) => {
 *   socket.on('message', (data) => socket.send(data));          // echo
 * });
 * process.on('SIGINT', () => server.close({ code: 1001, timeout: 1000 }));
 * ```
 *
 * It is a thin layer over the socket glue (server/wiring/server.ts): the glue calls one function with
 * every event of every connection; this class keeps a {@link WebSocket} per open connection, hands
 * each event to it, and answers plain HTTP requests through `handleRequest` (default: 426 Upgrade
 * Required, RFC 9110 §15.5.22), which is how the demo serves its page on the same port.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ReadyState } from '../../core/ready-state.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { SendData } from '@impl/10-app/arguments.ts';
import type { Closable, ShutdownOptions } from '@impl/10-app/shutdown.ts';
import type { ConnectionEvent } from '../wiring/connection.ts';
import { shutdown } from '../wiring/layers.ts';
import type { RunningServer, ServerOptions, SocketConnection } from '../wiring/server.ts';
import { startServer, upgradeRequired } from '../wiring/server.ts';
import type { HandshakePolicy, UpgradeHandler } from '../wiring/http-upgrade.ts';
import { createUpgradeHandler } from '../wiring/http-upgrade.ts';
import type { SendOptions } from './websocket.ts';
import { WebSocket } from './websocket.ts';

/** A plain HTTP request (no `Upgrade`), for {@link WebSocketServerOptions.handleRequest}. */
export interface HttpRequest {
  readonly method: string;
  /** The path of the request-target, e.g. `/index.html`. */
  readonly path: string;
  readonly head: RequestHead;
}

export interface WebSocketServerOptions extends Omit<ServerOptions, 'app'> {
  /** Answers a plain HTTP request. Default: 426 Upgrade Required. The connection closes after it. */
  readonly handleRequest?: (request: HttpRequest) => HttpResponse | PromiseLike<HttpResponse>;
  /**
   * Chapter 12: listen on nothing; an HTTP server hands its upgrades over with
   * {@link WebSocketServer.handleUpgrade} (the shape of the `ws` package's `noServer` mode).
   */
  readonly noServer?: boolean;
  /** Chapter 12: redirects, allowed origins, token and hook, checked before the 101 (with `noServer`). */
  readonly policy?: HandshakePolicy;
  /** Every client's {@link WebSocket.textAsBytes} to begin with: text as validated bytes, not strings. Default false. */
  readonly textAsBytes?: boolean;
}

export interface WebSocketServerEvents {
  /** A client completed the opening handshake: its WebSocket is OPEN. */
  connection: [socket: WebSocket, request: RequestHead];
}

export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** Every open (or closing) client. */
  readonly clients: ReadonlySet<WebSocket> = new Set<WebSocket>();
  private readonly sockets = new Map<SocketConnection, WebSocket>();
  private running: RunningServer | null = null;

  /** With noServer: the glue for node:http's upgrades (server/wiring/http-upgrade.ts). */
  private readonly upgrades: UpgradeHandler | null;

  constructor(private readonly options: WebSocketServerOptions = {}) {
    super();
    this.upgrades = options.noServer ? createUpgradeHandler({ ...options, app: (connection, event) => this.handle(connection, event) }) : null;
  }

  /** Starts listening (port 0 picks a free port; read it back from {@link WebSocketServer.port}). */
  async listen(): Promise<this> {
    if (this.options.noServer) throw new Error('a noServer WebSocketServer does not listen: call handleUpgrade from an HTTP server');
    this.running = await startServer({ ...this.options, app: (connection, event) => this.handle(connection, event) });
    return this;
  }

  /** The port bound. */
  get port(): number {
    return this.listening().port;
  }

  /** The host bound. */
  get host(): string {
    return this.listening().host;
  }

  /** Sends one message to every OPEN client but `except`; returns how many queued it. */
  broadcast(data: SendData, options: BroadcastOptions = {}): number {
    return broadcast(this.clients, data, options);
  }

  /**
   * Graceful shutdown: a close frame (default 1001 Going Away) to every client, a wait of at most
   * `timeout` ms (default 1000) for their answers, then the rest are dropped and the listener stops.
   */
  async close(options: ShutdownOptions = {}): Promise<void> {
    const running = this.upgrades ?? this.listening();
    const clients: Closable[] = [...this.sockets].map(([connection, socket]) => ({
      get readyState() {
        return connection.readyState;
      },
      close: (code, reason) => connection.close(code, reason),
      terminate: () => connection.destroy(),
      closed: socket.closed,
    }));
    await shutdown(clients, options);
    await running.close();
  }

  /** The glue's callback: one event of one connection. */
  private handle(connection: SocketConnection, event: ConnectionEvent): void | Promise<void> {
    if (event.type === 'request') return this.answer(connection, event.head, event.path);
    if (event.type === 'open') {
      const socket = new WebSocket(connection, event, this.options.textAsBytes);
      this.sockets.set(connection, socket);
      (this.clients as Set<WebSocket>).add(socket);
      // With noServer, handleUpgrade's callback is told instead (and may emit 'connection' itself, as with ws).
      if (!this.options.noServer) this.emit('connection', socket, event.head);
      return;
    }
    const socket = this.sockets.get(connection);
    if (socket === undefined) return;
    if (event.type === 'closed') {
      this.sockets.delete(connection);
      (this.clients as Set<WebSocket>).delete(socket);
    }
    return socket.dispatch(event);
  }

  /** Answers a plain HTTP request with `handleRequest` (500 if it throws), or 426. */
  private answer(connection: SocketConnection, head: RequestHead, path: string): void {
    const handler = this.options.handleRequest;
    if (handler === undefined) return connection.respond(upgradeRequired());
    const failed = (): void => connection.respond({ status: 500, body: 'internal server error\n' });
    try {
      Promise.resolve(handler({ method: head.method, path, head })).then((response) => connection.respond(response), failed);
    } catch {
      failed();
    }
  }

  /**
   * Chapter 12, for node:http's `'upgrade'` event: decides the handshake on the request node:http
   * parsed (chapters 02–04 and the policy), answers a refusal on `socket`, or writes the 101 and
   * calls `callback` with the OPEN WebSocket; `head` (bytes after the request head) is its first input.
   *
   * ```ts
   * const wss = new WebSocketServer({ noServer: true });
   * httpServer.on('upgrade', (request, socket, head) =>
   *   wss.handleUpgrade(request, socket, head, (ws, requestHead) => wss.emit('connection', ws, requestHead)));
   * ```
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Uint8Array, callback: (socket: WebSocket, request: RequestHead) => void): void {
    this.upgradeHandler().handleUpgrade(request, socket as Socket, head, (connection, requestHead) => {
      const client = this.sockets.get(connection);
      if (client !== undefined) callback(client, requestHead);
    });
  }

  /** Chapter 12, for node:http's `'clientError'` event: a head node:http refused, answered as chapter 02 would. */
  handleClientError(error: Error & { code?: string }, socket: Duplex): void {
    this.upgradeHandler().handleClientError(error, socket as Socket);
  }

  private upgradeHandler(): UpgradeHandler {
    if (this.upgrades === null) throw new Error('handleUpgrade needs a WebSocketServer created with { noServer: true }');
    return this.upgrades;
  }

  private listening(): RunningServer {
    if (this.running === null) throw new Error('the server is not listening: call listen() first');
    return this.running;
  }
}

/** Creates a {@link WebSocketServer} and starts listening. */
export function createWebSocketServer(options: WebSocketServerOptions = {}): Promise<WebSocketServer> {
  return new WebSocketServer(options).listen();
}

/** Who a broadcast skips, and how it frames its data (as `send()` does). */
export interface BroadcastOptions extends SendOptions {
  readonly except?: WebSocket;
}

/**
 * Sends `data` to every OPEN client in `clients` but `except`; returns how many queued it. A slow
 * client (chapter 09) is skipped or closed by its own `send`, never holding up the others.
 */
export function broadcast(clients: Iterable<WebSocket>, data: SendData, options: BroadcastOptions = {}): number {
  let sent = 0;
  for (const client of clients) {
    if (client === options.except || client.readyState !== ReadyState.OPEN) continue;
    if (client.send(data, options)) sent++;
  }
  return sent;
}
