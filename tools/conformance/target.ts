/**
 * Where the suite points: a running server given by `--url`, or one of the workbook's trees started
 * in this process through the demo server (server/demo/demo-server.ts).
 */
import { importWithTree } from '../tree.ts';
import type { Target } from './case.ts';

/** The path of the echo endpoint on an in-process server (any path but `/chat` echoes). */
export const ECHO_PATH = '/echo';

export interface RunningTarget extends Target {
  close(): Promise<void>;
}

/** `ws://host:port/path` → a target (the path defaults to `/`). */
export function parseTarget(url: string): Target {
  const parsed = new URL(url);
  if (parsed.protocol !== 'ws:') throw new Error(`only ws:// URLs are supported, got ${url}`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: Number(parsed.port || 80),
    path: `${parsed.pathname || '/'}${parsed.search}`,
  };
}

interface ServeModule {
  serve(options: { port: number; host: string; server?: ServerMode; perMessageDeflate?: true }): Promise<{ port: number; host: string; close(): Promise<void> }>;
}

/** How the demo is served (chapter 12): its own listener, or behind node:http or Express. */
export type ServerMode = 'dedicated' | 'node-http' | 'express';
export const SERVER_MODES: readonly ServerMode[] = ['dedicated', 'node-http', 'express'];

/**
 * Start the demo server running the tree `impl` on a free port of 127.0.0.1, served the `server` way,
 * negotiating permessage-deflate when `deflate` (chapter 13).
 */
export async function startImplementation(impl: string, mode: ServerMode = 'dedicated', deflate = false): Promise<RunningTarget> {
  const { serve } = await importWithTree<ServeModule>(impl, 'server/demo/demo-server.ts');
  const server = await serve({ port: 0, host: '127.0.0.1', server: mode, ...(deflate ? { perMessageDeflate: true as const } : {}) });
  return { host: server.host, port: server.port, path: ECHO_PATH, close: () => server.close() };
}
