/**
 * An echo server built on the `ws` package, to check the suite itself against a strict, widely used
 * implementation: `npx tsx tools/conformance/ws-target.ts [port]` prints its URL and runs until
 * Ctrl-C. The tests start it in-process with {@link startWsTarget}.
 *
 * It mirrors the workbook server's contract: every message is echoed as it came, subprotocol `chat`
 * is selected when offered, and messages are limited to 64 MiB.
 */
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import type { RunningTarget } from './target.ts';

export interface WsTargetOptions {
  port?: number;
  /** Turn off ws's UTF-8 validation: a deliberately broken server for the suite's own tests. */
  skipUTF8Validation?: boolean;
  maxPayload?: number;
}

export function startWsTarget(options: WsTargetOptions = {}): Promise<RunningTarget> {
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxPayload: options.maxPayload ?? 64 * 1024 * 1024,
      skipUTF8Validation: options.skipUTF8Validation ?? false,
      handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    });
    server.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
      socket.on('error', () => {});
    });
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('the ws server has no TCP address'));
      resolve({
        host: '127.0.0.1',
        port: address.port,
        path: '/',
        close: () =>
          new Promise<void>((done) => {
            for (const client of server.clients) client.terminate();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = await startWsTarget({ port: Number(process.argv[2] ?? 0) });
  console.log(`ws echo server on ws://${target.host}:${target.port}/`);
  process.once('SIGINT', () => void target.close().then(() => process.exit(0)));
}
