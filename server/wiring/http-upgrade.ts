/**
 * The glue between node:http's `'upgrade'` event and the connection: one port for an HTTP
 * application and WebSocket endpoints (chapter 12).
 *
 * node:http reads the request head itself and, for a request carrying `Upgrade`, emits
 * `'upgrade'` with the parsed request, the raw socket and `head` (bytes read past the blank line:
 * possibly the client's first frame). {@link UpgradeHandler.handleUpgrade} then
 *
 * 1. builds chapter 02's RequestHead from it, with chapter 02's limits (chapter 12's layer);
 * 2. lets chapter 04 decide, as for a request read from the socket;
 * 3. runs the handshake policy: redirect, Origin, token, the application's hook (chapter 12);
 * 4. refuses with the HttpError's answer, or hands the socket to the same glue as the dedicated
 *    server's (server.ts), which writes the 101 and reads frames from `head` on.
 *
 * The connection (connection.ts) starts from bytes, so step 4 feeds it the head it was decided on,
 * written back as bytes, then `head`: it reads them as it reads any request, and the 101, the
 * events and the limits are the dedicated server's, line for line.
 *
 * While step 3 waits for the hook, the socket may already deliver frames: they are kept, in order,
 * and fed after the head. A hook that never settles is cut off at the handshake timeout.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { HttpError } from '../../core/errors.ts';
import { closingHeaders } from '../../core/http.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { HandshakePolicy } from '@impl/12-http-world/policy.ts';
import { checkHandshake, decideHandshake, defaultHeadLimits, formatResponse, refusalFor, requestHeadFromNode, withDefaultTimeouts } from './layers.ts';
import type { ServerOptions, SocketConnection } from './server.ts';
import { createSocketAttacher, echoApp, upgradeRequired } from './server.ts';

export type { HandshakePolicy } from '@impl/12-http-world/policy.ts';

export interface UpgradeOptions extends ServerOptions {
  /** Redirects, allowed origins, token, hook: checked before the 101 (default: none). */
  readonly policy?: HandshakePolicy;
}

/** Called once the 101 is written, before any message event: the connection is OPEN. */
export type UpgradeCallback = (connection: SocketConnection, head: RequestHead) => void;

export interface UpgradeHandler {
  /** For node:http's `'upgrade'` event: `server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head, cb))`. */
  handleUpgrade(request: http.IncomingMessage, socket: net.Socket, head: Uint8Array, callback: UpgradeCallback): void;
  /** For node:http's `'clientError'` event: answers what node:http could not parse, in this server's words. */
  handleClientError(error: Error & { code?: string }, socket: net.Socket): void;
  /** Drops every connection still open (a polite shutdown closes them first). */
  close(): Promise<void>;
}

export function createUpgradeHandler(options: UpgradeOptions = {}): UpgradeHandler {
  const { policy = {}, ...serverOptions } = options;
  // The callback of each connection waiting for its 101, told right after the application's 'open'.
  const waiting = new WeakMap<SocketConnection, UpgradeCallback>();
  const app = serverOptions.app ?? echoApp;
  const attacher = createSocketAttacher({
    ...serverOptions,
    app: (connection, event) => {
      const result = app(connection, event);
      if (event.type === 'open') {
        const callback = waiting.get(connection);
        waiting.delete(connection);
        callback?.(connection, event.head);
      }
      return result;
    },
  });
  const limits = serverOptions.headLimits ?? defaultHeadLimits;
  const { handshakeTimeout } = withDefaultTimeouts(serverOptions);
  /** Sockets whose policy has not answered yet: not attached, so close() must drop them itself. */
  const deciding = new Set<net.Socket>();
  return {
    handleUpgrade(request, socket, head, callback) {
      // 1.–2. Build the head and decide; a thrown HttpError is the refusal.
      let requestHead: RequestHead;
      let path: string;
      try {
        requestHead = requestHeadFromNode(request, limits);
        const decision = decideHandshake(requestHead, { protocols: serverOptions.protocols ?? [] });
        // node:http emits 'upgrade' for any Upgrade field: an upgrade to another protocol is not ours.
        if (decision.kind === 'http') return refuse(socket, upgradeRequired());
        path = decision.path;
      } catch (error) {
        return refuse(socket, refusalFor(error));
      }
      // 3. The policy; frames that arrive meanwhile are kept for the connection.
      const early: Uint8Array[] = [];
      const keep = (chunk: Buffer): void => void early.push(chunk);
      socket.on('data', keep);
      socket.on('error', ignore);
      // A hook that never answers: the socket is dropped and forgotten at the handshake timeout.
      const timer = setTimeout(() => {
        decided();
        socket.destroy();
      }, handshakeTimeout);
      timer.unref();
      deciding.add(socket);
      const decided = (): void => {
        clearTimeout(timer);
        socket.off('data', keep);
        deciding.delete(socket);
      };
      let verdict: Promise<void>;
      try {
        verdict = checkHandshake(requestHead, path, policy);
      } catch (error) {
        verdict = Promise.reject(error);
      }
      verdict.then(
        () => {
          decided();
          if (socket.destroyed) return;
          // 4. The connection reads the decided head again, then what came after it.
          attacher.attach(socket, [requestBytes(requestHead), head, ...early], (connection) => waiting.set(connection, callback));
        },
        (error: unknown) => {
          decided();
          if (!socket.destroyed) refuse(socket, refusalFor(error));
        },
      );
    },
    handleClientError(error, socket) {
      // node:http's parser refused the head: too long (its 16 KiB) or malformed. The status is
      // chapter 02's; the words say who refused, since node:http does not say which rule broke.
      if (!socket.writable) return void socket.destroy();
      const tooLong = error.code === 'HPE_HEADER_OVERFLOW';
      refuse(
        socket,
        refusalFor(
          tooLong
            ? new HttpError(431, `the request head is longer than ${limits.maxHeadBytes} bytes (RFC 6585 §5)`)
            : new HttpError(400, `node:http could not parse the request (${error.code ?? 'unknown error'}, RFC 9112)`),
        ),
      );
    },
    close() {
      for (const socket of deciding) socket.destroy();
      return attacher.close();
    },
  };
}

/** Writes the last answer of a connection that never opened, and closes it. */
function refuse(socket: net.Socket, response: HttpResponse): void {
  socket.on('error', ignore);
  socket.end(formatResponse({ ...response, headers: closingHeaders(response.headers) }));
}

/** The head as a request line, header lines and the blank line (RFC 9112 §2.1). */
function requestBytes(head: RequestHead): Uint8Array {
  let text = `${head.method} ${head.target} ${head.version}\r\n`;
  for (const [name, values] of head.headers) for (const value of values) text += `${name}: ${value}\r\n`;
  return textEncoder.encode(`${text}\r\n`);
}

const textEncoder = new TextEncoder();

function ignore(): void {}

/**
 * The 426 for a plain request to a WebSocket endpoint, saying why when it can: a request with
 * `Sec-WebSocket-Key` and `Sec-WebSocket-Version` but no `Upgrade` was sent as a handshake by its
 * client, and something in between removed `Upgrade` and `Connection`. Those two are hop-by-hop
 * fields (RFC 9110 §7.6.1): a proxy drops them unless configured to pass them on, while the
 * `Sec-WebSocket-*` fields, end-to-end, arrive. The classic cause is an nginx `location` without
 * `proxy_set_header Upgrade $http_upgrade` and `proxy_set_header Connection "upgrade"`.
 */
export function upgradeRequiredFor(head: RequestHead): HttpResponse {
  const response = upgradeRequired();
  if (!head.headers.has('sec-websocket-key') || head.headers.has('upgrade')) return response;
  return {
    ...response,
    body:
      'This request carries Sec-WebSocket-Key but no Upgrade header: a proxy between the client and this server ' +
      'probably dropped the hop-by-hop Upgrade and Connection headers (RFC 9110 §7.6.1). ' +
      'Configure it to forward them (nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; ' +
      'proxy_set_header Connection "upgrade").\n',
  };
}
