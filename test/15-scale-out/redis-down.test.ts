/**
 * Chapter 15 when Redis goes away: two server processes on two ports, as if on two machines, one
 * real redis-server between them, `ws` clients on each. Short reconnect delays and a short presence
 * expiry come from the command line, so the test waits for fractions of a second, not minutes.
 *
 * - Redis killed mid-chat: each process logs it once, `/room` says "down", and local delivery goes
 *   on; Redis back on the same port: each process reconnects by itself (backoff with jitter) and
 *   cross-process delivery resumes, with no client closed along the way;
 * - presence: the room's count covers both processes, and a crashed process's users vanish once its
 *   key expires.
 *
 * Needs /usr/bin/redis-server (Debian's redis-server): without it the tests fail and say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../helpers/redis.ts';
import type { RoomReport, ServeProcess } from './processes.ts';
import { WAIT_MS, killServers, openChat, roomReport, startServe, untilReceived } from './processes.ts';

afterEach(async () => {
  killServers();
  await stopAllRedis();
});

/** A single server process over `redisUrl`, retrying within 200 ms, presence keys living 1.5 s. */
async function serverOver(redisUrl: string): Promise<ServeProcess> {
  const serve = await startServe(['--redis', redisUrl, '--redis-retry-max', '200', '--presence-ttl', '1500']);
  await serve.waitFor(/cross-process delivery up/, 'the Redis connection');
  return serve;
}

/** Resolves once `/room` on `port` reports `present` people with cross-process delivery up, asking every 100 ms. */
async function untilPresent(port: number, present: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let last: RoomReport | undefined;
  while (Date.now() < deadline) {
    last = await roomReport(port);
    if (last.crossProcess === 'up' && last.present === present) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/room on port ${port} did not report ${present} present within ${WAIT_MS} ms (last report: ${JSON.stringify(last)})`);
}

describe('chapter 15: Redis away and back, presence with expiry', { timeout: 60_000 }, () => {
  it('keeps local delivery while Redis is down, says so, and resumes cross-process delivery after a restart', async () => {
    const redis = await startRedis();
    const [a, b] = [await serverOver(redis.url), await serverOver(redis.url)];
    const [a1, a2, b1] = [await openChat(a.port, 'a1'), await openChat(a.port, 'a2'), await openChat(b.port, 'b1')];
    a1.socket.send('a1:before');
    await untilReceived([a1, a2, b1], ['a1:before']);

    await redis.stop();
    for (const serve of [a, b]) await serve.waitFor(/^Redis unreachable .*cross-process delivery down/, 'the "down" line');
    expect((await roomReport(a.port)).crossProcess, '/room reports the loss').toBe('down');
    a1.socket.send('a1:while-down');
    await untilReceived([a1, a2], ['a1:while-down']);
    // Both processes keep retrying; each says so once, not once per attempt.
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const serve of [a, b]) expect(serve.lines.filter((line) => /cross-process delivery down/.test(line)), 'the loss is logged once').toHaveLength(1);

    await startRedis({ port: redis.port });
    for (const serve of [a, b]) await serve.waitFor(/^Redis is back .*cross-process delivery up/, 'the "back" line');
    b1.socket.send('b1:after');
    a2.socket.send('a2:after');
    await untilReceived([a1, a2, b1], ['b1:after', 'a2:after']);
    expect(b1.received, 'b1 got what was said while connected, once each; the message said while down stayed on process A').toEqual(
      expect.arrayContaining(['a1:before', 'b1:after', 'a2:after']),
    );
    expect(b1.received).toHaveLength(3);
    expect(a2.received, 'a2 got everything once').toHaveLength(4);
    for (const client of [a1, a2, b1]) expect(client.closeCode, `${client.name} stayed connected throughout`).toBeUndefined();
  });

  it('counts the room across processes, and drops a crashed process\'s users when its key expires', async () => {
    const redis = await startRedis();
    const [a, b] = [await serverOver(redis.url), await serverOver(redis.url)];
    await openChat(a.port, 'a1');
    await Promise.all([openChat(b.port, 'b1'), openChat(b.port, 'b2')]);
    await untilPresent(a.port, 3);
    b.child.kill('SIGKILL');
    await untilPresent(a.port, 1);
  });
});
