/**
 * Chapter 15's broadcast benchmark (tools/bench/broadcast.ts) on a tiny configuration: a real
 * server with 1 and 2 workers, a real redis-server, real clients in their own process. Every
 * configuration must report deliveries, and deliveries must be the messages sent times the clients:
 * a room that loses or repeats messages, or a counter that miscounts, fails here.
 */
import { describe, expect, it } from 'vitest';
import { label, perSecond, runBroadcast, table } from '../../tools/bench/broadcast.ts';

const CLIENTS = 10;

describe('npm run bench -- --broadcast', () => {
  it('reports deliveries ≈ sends × clients for one process without Redis and 1 and 2 workers with it', { timeout: 120_000 }, async () => {
    const results = await runBroadcast({
      impl: process.env.WORKBOOK_IMPL ?? 'solutions',
      clients: CLIENTS,
      senders: 2,
      window: 4,
      configs: [
        { workers: 1, redis: false },
        { workers: 1, redis: true },
        { workers: 2, redis: true },
      ],
      rounds: 1,
      warmupMs: 200,
      durationMs: 1000,
    });
    expect(results.map(({ config }) => label(config))).toEqual(['1 worker, no Redis', '1 worker + Redis', '2 workers + Redis']);
    for (const { config, rounds } of results) {
      const [round] = rounds;
      expect(rounds, label(config)).toHaveLength(1);
      expect(round!.deliveries, label(config)).toBeGreaterThan(0);
      expect(perSecond(round!, round!.deliveries), label(config)).toBeGreaterThan(0);
      // Sends counted in the interval are delivered partly after it, and earlier ones during it: a
      // window's worth of messages per sender either way.
      const inFlight = 2 * 4 * CLIENTS;
      expect(Math.abs(round!.deliveries - round!.sends * CLIENTS), label(config)).toBeLessThanOrEqual(inFlight);
      expect(round!.serverCpuMs, label(config)).toBeGreaterThan(0);
      expect(round!.clientCpuMs, label(config)).toBeGreaterThan(0);
    }
    expect(table(results)).toHaveLength(1 + results.length);
  });
});
