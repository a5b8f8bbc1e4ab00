/**
 * The demo server of `npm run serve`, built on chapter 10's application API.
 *
 * - `GET /` is the demo page (demo-page.ts); another plain request gets 404 for a file name, 426
 *   (Upgrade Required) for anything else;
 * - an upgrade on `/chat` joins the chat room: every message is sent to everyone in the room;
 * - an upgrade on `/frames?for=<id>` receives the frame log of the chat connection that joined with
 *   `/chat?log=<id>` (frame-log.ts);
 * - an upgrade on any other path is an echo endpoint: every message comes back as it was sent;
 * - the subprotocol `chat` is chosen when a client offers it.
 *
 * With `log`, every connection gets a few short lines (connection-log.ts): opened, its handshake
 * answer, its close; with `logFrames` every frame too.
 *
 * While chapter 10 is a starter its stand-ins keep all of this running (see wiring/layers.ts);
 * `close()` is then abrupt instead of 1001 to everyone.
 */
import { CloseCode } from '../../core/close-code.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { HttpRequest } from '../app/websocket-server.ts';
import { broadcast, createWebSocketServer } from '../app/websocket-server.ts';
import type { WebSocket } from '../app/websocket.ts';
import type { ByteTap, RunningServer, ServerOptions } from '../wiring/server.ts';
import { upgradeRequired } from '../wiring/server.ts';
import { DEMO_PAGE } from './demo-page.ts';
import { ConnectionLog } from './connection-log.ts';
import { FrameLog } from './frame-log.ts';

export type { RunningServer };

export interface DemoOptions extends ServerOptions {
  /** Where the connection log's lines go (none by default). */
  readonly log?: (line: string) => void;
  /** Log every frame as well (with `log`). */
  readonly logFrames?: boolean;
}

/** How long a shutdown waits for the clients' close frames before dropping them, in ms. */
const SHUTDOWN_TIMEOUT = 1000;

export async function serve(options: DemoOptions = {}): Promise<RunningServer> {
  const { log, logFrames, ...serverOptions } = options;
  const connections = new ConnectionLog(log ?? null, { frames: logFrames ?? false });
  const handleRequest = (request: HttpRequest): HttpResponse => {
    const response = answerHttp(request);
    connections.answered(request.head, response.status);
    return response;
  };
  const server = await createWebSocketServer({ protocols: ['chat'], ...serverOptions, monitor: connections, handleRequest });
  const room = new Set<WebSocket>();
  /** Frame log sockets by the id their page chose. */
  const logs = new Map<string, WebSocket>();

  server.on('connection', (socket, request) => {
    const url = new URL(socket.url, 'http://localhost');
    if (url.pathname === '/chat') {
      room.add(socket);
      socket.on('message', (data) => void broadcast(room, data));
      socket.on('close', () => room.delete(socket));
      const page = logs.get(url.searchParams.get('log') ?? '');
      if (page !== undefined) attachFrameLog((tap) => connections.observe(request, tap), socket, page);
    } else if (url.pathname === '/frames') {
      const id = url.searchParams.get('for') ?? '';
      logs.set(id, socket);
      socket.on('close', () => logs.delete(id));
    } else {
      socket.on('message', (data) => void socket.send(data));
    }
  });

  return {
    port: server.port,
    host: server.host,
    close: () => server.close({ code: CloseCode.GoingAway, reason: 'server shutting down', timeout: SHUTDOWN_TIMEOUT }),
  };
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
  return upgradeRequired();
}
