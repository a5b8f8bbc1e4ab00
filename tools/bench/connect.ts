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

const CONNECT_CONCURRENCY = 100;

/** Opens `count` WebSocket connections, `CONNECT_CONCURRENCY` handshakes at a time. */
export async function openConnections(target: Target, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let next = 0; next < count; next += CONNECT_CONCURRENCY) {
    const group = Math.min(CONNECT_CONCURRENCY, count - next);
    const attempts = await Promise.allSettled(Array.from({ length: group }, () => connectWebSocket(target.port, target.path)));
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

