/**
 * The demo on one port shared with an HTTP application (chapter 12): `npm run serve -- --server
 * node-http` or `--server express`, with TLS when given a certificate.
 *
 * The WebSocket server listens on nothing (`noServer`); an HTTP server owns the port. Its request
 * handler serves the demo page, a JSON endpoint (`GET /api/status`) and every other plain request
 * as the dedicated server does (404 for a file name, 426 elsewhere); its `'upgrade'` event goes to
 * {@link WebSocketServer.handleUpgrade}. The endpoints behind the upgrade are the demo's, unchanged.
 *
 * Why Express as the framework: it is the Node framework most applications already run, and its
 * application is a plain `(request, response)` handler given to `http.createServer`, so the server
 * that emits `'upgrade'` is the application's own, with no plugin in between. (Fastify creates and
 * owns its server; `fastify.server.on('upgrade', …)` works the same way once it is listening.)
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { HttpRequest, WebSocketServer } from '../app/websocket-server.ts';
import { refusalResponse, requestHeadFromNode } from '../wiring/layers.ts';
import { HttpError } from '../../core/errors.ts';

/** How the demo is served: on its own listener (chapter 01), or behind node:http or Express. */
export type ServerMode = 'dedicated' | 'node-http' | 'express';

export interface HttpDemoOptions {
  readonly mode: Exclude<ServerMode, 'dedicated'>;
  readonly port: number;
  readonly host: string;
  /** PEM certificate and key: serve `https:` and `wss:`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface HttpDemoServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting and closes every HTTP connection (WebSocket clients are closed by the caller first). */
  close(): Promise<void>;
}

/** Puts `sockets` and `answer` (the demo's plain HTTP answers) on one HTTP(S) server and listens. */
export async function listenOverHttp(sockets: WebSocketServer, answer: (request: HttpRequest) => HttpResponse, options: HttpDemoOptions): Promise<HttpDemoServer> {
  const status = (): object => ({ clients: sockets.clients.size, server: options.mode, tls: options.tls !== undefined });
  const handler = options.mode === 'express' ? await expressApp(answer, status) : nodeHandler(answer, status);
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  server.on('upgrade', (request: http.IncomingMessage, socket, head: Buffer) =>
    sockets.handleUpgrade(request, socket, head, (client, requestHead) => sockets.emit('connection', client, requestHead)),
  );
  // A head node:http refuses itself (over its 16 KiB, malformed) is answered with chapter 02's status.
  server.on('clientError', (error: Error & { code?: string }, socket) => sockets.handleClientError(error, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host: address.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** node:http alone: the JSON endpoint, then the demo's answers. */
function nodeHandler(answer: (request: HttpRequest) => HttpResponse, status: () => object): Handler {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && path === '/api/status') return sendJson(response, status());
    send(response, answerNode(answer, request, path));
  };
}

/**
 * Express: the same routes, written the framework's way; anything else falls through to the demo's
 * answers. Express is loaded here, only in this mode: the other servers never carry it.
 */
async function expressApp(answer: (request: HttpRequest) => HttpResponse, status: () => object): Promise<Handler> {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.get('/api/status', (_request, response) => void response.json(status()));
  app.use((request, response) => send(response, answerNode(answer, request, request.path)));
  return app;
}

/** The demo's answer to a plain request node:http parsed (chapter 02's limits apply here too). */
function answerNode(answer: (request: HttpRequest) => HttpResponse, request: http.IncomingMessage, path: string): HttpResponse {
  try {
    const head = requestHeadFromNode(request);
    return answer({ method: head.method, path, head });
  } catch (error) {
    if (error instanceof HttpError) return refusalResponse(error);
    return { status: 500, body: 'internal server error\n' };
  }
}

function send(response: http.ServerResponse, answer: HttpResponse): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : Buffer.from(answer.body ?? new Uint8Array(0));
  // A length rather than chunked encoding: the same framing as the dedicated server's answers.
  response.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(body.length) });
  response.end(body);
}

function sendJson(response: http.ServerResponse, value: object): void {
  send(response, { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: `${JSON.stringify(value)}\n` });
}
