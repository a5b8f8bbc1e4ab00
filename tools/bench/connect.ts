/**
 * Opening the benchmark's connections: real opening handshakes (the raw client's), a hundred at a
 * time, so that ten thousand of them neither queue up in the server's accept backlog nor take long.
 */
import type net from 'node:net';
import { connectWebSocket } from '../wire/load-client.ts';

/** Where the server listens, and its process, whose CPU time and memory are read from /proc. */
export interface Target {
  readonly port: number;
  readonly path: string;
  readonly serverPid: number;
}

/** An extension offer every handshake sends, and the check of each answer (an error, or null). */
export interface ExtensionOffer {
  readonly extensions: string;
  readonly check: (answer: string | undefined) => string | null;
}

const CONNECT_CONCURRENCY = 100;

/**
 * Opens `count` WebSocket connections, `CONNECT_CONCURRENCY` handshakes at a time, each offering
 * `offer` when given and failing unless its answer passes the offer's check.
 */
export async function openConnections(target: Target, count: number, offer?: ExtensionOffer): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let next = 0; next < count; next += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, count - next);
    const attempts = await Promise.allSettled(Array.from({ length: group }, () => connect(target, offer)));
    for (const attempt of attempts) {
      if (attempt.status === 'fulfilled') {
        attempt.value.socket.on('error', () => {});
        sockets.push(attempt.value.socket);
      }
    }
    const failed = attempts.find((attempt) => attempt.status === 'rejected');
    if (failed !== undefined) {
      const opened = sockets.length;
      // Close what did open, so a failed scenario leaves no connection behind.
      for (const socket of sockets) socket.destroy();
      throw new Error(`a connection failed with ${opened} of ${count} open: ${(failed.reason as Error).message}`);
    }
  }
  return sockets;
}


async function connect(target: Target, offer: ExtensionOffer | undefined): Promise<{ socket: net.Socket }> {
  const opened = await connectWebSocket(target.port, target.path, undefined, offer?.extensions);
  const problem = offer === undefined ? null : offer.check(opened.extensions);
  if (problem === null) return opened;
  opened.socket.destroy();
  throw new Error(problem);
}
