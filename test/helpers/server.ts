/**
 * The workbook's server, started for a test on a free port of 127.0.0.1 and always closed again.
 *
 *   await withServer({ protocols: ['chat'] }, async (server) => { ... server.port ... });
 *
 * or, with one server per test:
 *
 *   afterEach(closeTestServers);
 *   const server = await startTestServer({ protocols: ['chat'] });
 */
import type { RunningServer, ServerOptions } from '../../server/wiring/server.ts';
import { startServer } from '../../server/wiring/server.ts';

/** How long closing a server may take before the test fails, in ms. */
const CLOSE_TIMEOUT_MS = 3000;

const running = new Set<RunningServer>();

/** Starts the server (port 0, host 127.0.0.1 unless `options` say otherwise) and tracks it. */
export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, host: '127.0.0.1', ...options });
  running.add(server);
  return server;
}

/** Closes one server, failing clearly if `close()` does not resolve in time. */
export async function closeTestServer(server: RunningServer): Promise<void> {
  running.delete(server);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server.close() did not resolve within ${CLOSE_TIMEOUT_MS} ms (chapter 01: close())`)),
      CLOSE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([server.close(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes every server {@link startTestServer} started and not closed yet: use in `afterEach`. */
export async function closeTestServers(): Promise<void> {
  const servers = [...running];
  await Promise.all(servers.map(closeTestServer));
}

/** Runs `fn` with a started server and closes it afterwards, whatever `fn` does. */
export async function withServer<T>(options: ServerOptions, fn: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await fn(server);
  } finally {
    await closeTestServer(server);
  }
}
