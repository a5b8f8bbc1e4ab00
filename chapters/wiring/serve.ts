/**
 * The demo server: echo on every path, subprotocol `chat`.
 */
import type { RunningServer, ServerOptions } from './server.ts';
import { startServer } from './server.ts';

export type { RunningServer };

export function serve(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ protocols: ['chat'], ...options });
}
