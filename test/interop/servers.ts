/**
 * What the client interop tests share: the demo server (`npm run serve`), an application server
 * for close codes and pings, and cleanups that run after each test, newest first.
 */
import { afterEach } from 'vitest';
import type { WebSocket as ServerSocket } from '../../server/app/websocket.ts';
import type { WebSocketServer } from '../../server/app/websocket-server.ts';
import { createWebSocketServer } from '../../server/app/websocket-server.ts';
import type { RunningServer } from '../../server/demo/demo-server.ts';
import { serve } from '../../server/demo/demo-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test. */
export function afterThisTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** The demo server: echo on every path but /chat, subprotocol `chat`. */
export async function demo(): Promise<RunningServer> {
  const server = await serve({ port: 0, host: '127.0.0.1' });
  afterThisTest(() => server.close());
  return server;
}

/** A WebSocketServer whose connections go to `onConnection`. */
export async function appServer(onConnection: (socket: ServerSocket) => void): Promise<WebSocketServer> {
  const server = await createWebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', onConnection);
  afterThisTest(() => server.close({ timeout: 200 }));
  return server;
}
