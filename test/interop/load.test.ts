/**
 * Load: 1,000 `ws` clients connected at once to the reference demo server, each echoing, then a
 * graceful shutdown that reaches every one of them with 1001. Opened in batches of 100 so the
 * listen backlog is never the thing under test. Needs about 2,000 file descriptors (both ends live
 * in this process): skipped, with the reason, when `ulimit -n` is lower.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../../server/demo/demo-server.ts';

const CLIENTS = 1000;
const BATCH = 100;
const NEEDED_FDS = 2 * CLIENTS + 200;

function openFileLimit(): number {
  const result = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const text = result.stdout.trim();
  return text === 'unlimited' ? Infinity : Number(text) || 0;
}

const limit = openFileLimit();
const skipReason = limit < NEEDED_FDS ? ` (skipped: ulimit -n is ${limit}, this test needs ${NEEDED_FDS})` : '';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url);
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

describe.skipIf(limit < NEEDED_FDS)(`load: ${CLIENTS} concurrent connections${skipReason}`, () => {
  it(`holds ${CLIENTS} connections open, echoes on every one, and closes them all with 1001`, async () => {
    const server = await serve({ port: 0, host: '127.0.0.1' });
    const clients: WebSocket[] = [];
    try {
      const started = performance.now();
      for (let i = 0; i < CLIENTS; i += BATCH) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(BATCH, CLIENTS - i) }, () => open(`ws://127.0.0.1:${server.port}/echo`)),
        );
        clients.push(...batch);
      }
      const openMs = performance.now() - started;

      // Every client sends its own message while all are open; every echo must come back to its sender.
      const echoed = clients.map(
        (client) =>
          new Promise<string>((resolve) => client.once('message', (data) => resolve((data as Buffer).toString()))),
      );
      clients.forEach((client, i) => client.send(`client ${i}`));
      const echoes = await Promise.all(echoed);
      echoes.forEach((echo, i) => expect(echo, `client ${i}'s echo`).toBe(`client ${i}`));
      expect(clients.every((client) => client.readyState === WebSocket.OPEN), 'all still open').toBe(true);

      const codes = clients.map((client) => new Promise<number>((resolve) => client.once('close', resolve)));
      await server.close();
      const closed = await Promise.all(codes);
      expect(closed.filter((code) => code !== 1001), 'every client closed with 1001 Going Away').toEqual([]);
      expect(openMs, `opening ${CLIENTS} connections took ${Math.round(openMs)} ms`).toBeLessThan(8000);
    } finally {
      for (const client of clients) client.terminate();
    }
  });
});
