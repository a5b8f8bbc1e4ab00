/**
 * The demo server of `npm run serve`, built on chapter 10's application API.
 *
 * - `GET /` is the demo page (demo-page.ts); another plain request gets 404 for a file name, 426
 *   (Upgrade Required) for anything else;
 * - an upgrade on `/chat` joins the chat room: every message is sent to everyone in the room;
 * - an upgrade on `/frames?for=<id>` receives the frame log of the chat connection that joined with
 *   `/chat?log=<id>` (frame-log.ts);
 * - an upgrade on `/room` receives the room's status as JSON, now and on every change: whether
 *   cross-process delivery is up, how many are in the room, and this process's pid (chapter 15);
 * - an upgrade on any other path is an echo endpoint: every message comes back as it was sent;
 * - the subprotocol `chat` is chosen when a client offers it.
 *
 * With `redis` (chapter 15), the chat room is one room across every process started with the same
 * Redis (redis-room.ts); without it, each process has its own room.
 *
 * With `log`, every connection gets a few short lines (connection-log.ts): opened, its handshake
 * answer, its close; with `logFrames` every frame too.
 *
 * While chapter 10 is a starter its stand-ins keep all of this running (see wiring/layers.ts);
 * `close()` is then abrupt instead of 1001 to everyone.
 */
import { CloseCode } from '../../core/close-code.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { HttpRequest } from '../app/websocket-server.ts';
import { WebSocketServer, broadcast, createWebSocketServer } from '../app/websocket-server.ts';
import type { HandshakePolicy } from '../wiring/http-upgrade.ts';
import { upgradeRequiredFor } from '../wiring/http-upgrade.ts';
import type { HttpDemoOptions, ServerMode } from './http-demo.ts';
import { listenOverHttp } from './http-demo.ts';
import type { WebSocket } from '../app/websocket.ts';
import type { ByteTap, RunningServer, ServerOptions } from '../wiring/server.ts';
import { DEMO_PAGE } from './demo-page.ts';
import { ConnectionLog } from './connection-log.ts';
import { FrameLog } from './frame-log.ts';
import type { RedisRoomOptions, RoomStatus } from './redis-room.ts';
import type { RedisRoom } from './redis-room.ts';

export type { RunningServer };

export interface DemoOptions extends ServerOptions {
  /** Where the connection log's lines go (none by default). */
  readonly log?: (line: string) => void;
  /** Log every frame as well (with `log`). */
  readonly logFrames?: boolean;
  /** Chapter 12: on its own listener (default), or sharing the port with node:http or Express (http-demo.ts). */
  readonly server?: ServerMode;
  /** Chapter 12: serve https/wss with this certificate (node-http or express). */
  readonly tls?: HttpDemoOptions['tls'];
  /** Chapter 12: redirects, allowed origins, token, hook, checked before the 101 (node-http or express). */
  readonly policy?: HandshakePolicy;
  /** Chapter 15: share the chat room with every process using this Redis (its up/down lines go to `log`). */
  readonly redis?: Omit<RedisRoomOptions, 'log'>;
}

/** How long a shutdown waits for the clients' close frames before dropping them, in ms. */
const SHUTDOWN_TIMEOUT = 1000;

export async function serve(options: DemoOptions = {}): Promise<RunningServer> {
  const { log, logFrames, server: mode = 'dedicated', tls, redis, ...serverOptions } = options;
  if (mode === 'dedicated' && (tls !== undefined || options.policy !== undefined)) {
    throw new Error('TLS and a handshake policy need the HTTP server in front: use server "node-http" or "express"');
  }
  const connections = new ConnectionLog(log ?? null, { frames: logFrames ?? false });
  const handleRequest = (request: HttpRequest): HttpResponse => {
    const response = answerHttp(request);
    connections.answered(request.head, response.status);
    return response;
  };
  const socketOptions = { protocols: ['chat'], ...serverOptions, monitor: connections, handleRequest };
  const server = mode === 'dedicated' ? await createWebSocketServer(socketOptions) : new WebSocketServer({ ...socketOptions, noServer: true });
  // Loaded only when asked for: a server without Redis carries none of its client (redis-room.ts).
  const shared = redis === undefined ? null : await (await import('./redis-room.ts')).RedisRoom.create({ ...redis, log });
  shared?.start();
  const room = shared?.local ?? new Set<WebSocket>();
  /** Frame log sockets by the id their page chose. */
  const logs = new Map<string, WebSocket>();

  // Each path's setup is its own function: a closure made here would keep this call's variables
  // (the request head among them) alive for as long as its connection, even on the echo path.
  const joinChat = (socket: WebSocket, request: RequestHead, url: URL): void => {
    if (shared !== null) {
      shared.join(socket);
      socket.on('message', (data) => shared.say(data));
    } else {
      room.add(socket);
      socket.on('message', (data) => void broadcast(room, data));
      socket.on('close', () => room.delete(socket));
    }
    const page = logs.get(url.searchParams.get('log') ?? '');
    if (page !== undefined) attachFrameLog((tap) => connections.observe(request, tap), socket, page);
  };
  const openFrameLog = (socket: WebSocket, url: URL): void => {
    const id = url.searchParams.get('for') ?? '';
    logs.set(id, socket);
    socket.on('close', () => logs.delete(id));
  };

  server.on('connection', (socket, request) => {
    // The query is parsed only where it means something: an echo connection needs its path alone.
    if (socket.path === '/chat') joinChat(socket, request, new URL(socket.url, 'http://localhost'));
    else if (socket.path === '/frames') openFrameLog(socket, new URL(socket.url, 'http://localhost'));
    else if (socket.path === '/room') reportRoom(socket, shared, room);
    else {
      // An echo reads nothing: text comes as its bytes and goes back as text, never decoded.
      socket.textAsBytes = true;
      socket.on('message', echo);
    }
  });

  const goAway = async (): Promise<void> => {
    await server.close({ code: CloseCode.GoingAway, reason: 'server shutting down', timeout: SHUTDOWN_TIMEOUT });
    await shared?.close();
  };
  if (mode === 'dedicated') return { port: server.port, host: server.host, close: goAway };
  const front = await listenOverHttp(server, handleRequest, { mode, port: options.port ?? 0, host: options.host ?? '127.0.0.1', tls });
  return {
    port: front.port,
    host: front.host,
    close: async () => {
      await goAway();
      await front.close();
    },
  };
}

/**
 * An echo connection's message listener: the message goes back to the socket it came from, with
 * its type. One function serves every echo connection (an EventEmitter calls its listeners with
 * the emitter as `this`), so an idle echo connection holds no closure of its own.
 */
function echo(this: WebSocket, data: string | Uint8Array, isBinary: boolean): void {
  void this.send(data, isBinary ? BINARY : TEXT);
}

/** The two ways `send()` can frame an echo, made once rather than per message. */
const BINARY = { binary: true } as const;
const TEXT = { binary: false } as const;

/**
 * A `/room` connection: the room's status as one JSON message, again on every change with a
 * shared room. A process's own room has no changes to report: its status is sent once.
 */
function reportRoom(socket: WebSocket, shared: RedisRoom | null, room: ReadonlySet<WebSocket>): void {
  const send = (status: RoomStatus | { crossProcess: 'off'; present: number }): void => void socket.send(JSON.stringify({ ...status, pid: process.pid }));
  if (shared === null) return send({ crossProcess: 'off', present: room.size });
  socket.on('close', shared.onStatus(send));
}

/** Reports every frame of `chat` to the page's `log` socket as one JSON message, until either closes. */
function attachFrameLog(observe: (tap: ByteTap) => () => void, chat: WebSocket, log: WebSocket): void {
  const frames = new FrameLog((entry) => void log.send(JSON.stringify(entry)));
  const stop = observe(frames.push);
  log.on('close', stop);
  chat.on('close', stop);
}

function answerHttp(request: HttpRequest): HttpResponse {
  if (request.method === 'GET' && (request.path === '/' || request.path === '/index.html')) {
    return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body: DEMO_PAGE };
  }
  // A file name (favicon.ico …) is a file this server does not have; any other path is a WebSocket endpoint.
  if (/\.[a-z0-9]+$/i.test(request.path)) {
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'not found\n' };
  }
  // A handshake whose Upgrade a proxy dropped gets a 426 that says so (chapter 12).
  return upgradeRequiredFor(request.head);
}
