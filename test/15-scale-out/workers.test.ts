/**
 * Chapter 15 with every core: `npm run serve -- --workers 2 --redis …` as real processes (a
 * node:cluster primary and two workers sharing one port), a real redis-server, and `ws` clients on
 * loopback. The kernel hands connections to the workers in turn, so the clients below sit on both
 * workers (checked through `/room`, which reports the pid of the worker that answered).
 *
 * - every chat message reaches every client exactly once, each sender's messages in its order,
 *   whichever worker each client is on (the envelope and the inbox of room-bus.ts);
 * - a worker killed with SIGKILL is replaced within the restart bound; its clients can reconnect,
 *   and the clients of the other worker notice nothing: no close, no message missed;
 * - workers that keep dying (here: the port is taken) are restarted 5 times within the window at most,
 *   then the primary gives up, says so, and exits 1;
 * - SIGINT to the primary closes every client with 1001 Going Away and exits 0.
 *
 * Needs /usr/bin/redis-server (Debian's redis-server): without it the tests fail and say so.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../helpers/redis.ts';
import type { ChatClient, ServeProcess } from './processes.ts';
import { WAIT_MS, killServers, openChat, spawnServe, startServe, until, untilReceived, workerPids } from './processes.ts';

afterEach(async () => {
  killServers();
  await stopAllRedis();
});

/** Starts two workers over `redisUrl` and waits until both are subscribed. */
async function twoWorkers(redisUrl: string): Promise<ServeProcess> {
  const serve = await startServe(['--workers', '2', '--redis', redisUrl]);
  await serve.waitFor(/cross-process delivery up/, "both workers' Redis connections", 2);
  return serve;
}

/** `count` clients named `c0`, `c1` …, opened one after another. */
async function clients(port: number, count: number, prefix = 'c'): Promise<ChatClient[]> {
  const opened: ChatClient[] = [];
  for (let i = 0; i < count; i++) opened.push(await openChat(port, `${prefix}${i}`));
  return opened;
}

/** Each client's messages from `sender`, in the order received. */
function from(client: ChatClient, sender: string): string[] {
  return client.received.filter((text) => text.startsWith(`${sender}:`));
}

describe('chapter 15: --workers 2 --redis, one room over every worker', { timeout: 60_000 }, () => {
  it('delivers every message to every client exactly once, in each sender\'s order, on both workers', async () => {
    const redis = await startRedis();
    const serve = await twoWorkers(redis.url);
    expect((await workerPids(serve.port, 2)).length, '/room connections reach both workers').toBe(2);
    const room = await clients(serve.port, 6);
    // Every client sends 5 messages in a row, all clients at once: the room interleaves them.
    const said = room.flatMap((client) => [1, 2, 3, 4, 5].map((n) => `${client.name}:${n}`));
    for (const n of [1, 2, 3, 4, 5]) for (const client of room) client.socket.send(`${client.name}:${n}`);
    await untilReceived(room, said);
    // Late duplicates (an echo of a worker's own message) would arrive after the originals: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const client of room) {
      expect(client.received.length, `${client.name} got each of the ${said.length} messages once: [${client.received.join(', ')}]`).toBe(said.length);
      for (const sender of room) expect(from(client, sender.name), `${client.name} got ${sender.name}'s messages in order`).toEqual([1, 2, 3, 4, 5].map((n) => `${sender.name}:${n}`));
    }
  });

  it('restarts a worker killed with SIGKILL; its clients reconnect, the other worker\'s clients notice nothing', async () => {
    const redis = await startRedis();
    const serve = await twoWorkers(redis.url);
    const [victim] = await workerPids(serve.port, 2);
    const room = await clients(serve.port, 6);
    room[0]!.socket.send('c0:before');
    await untilReceived(room, ['c0:before']);

    process.kill(victim!, 'SIGKILL');
    await serve.waitFor(new RegExp(`^worker ${victim} died \\(signal SIGKILL\\): starting another`), 'the restart line');
    const dropped = await until(() => {
      const closed = room.filter((client) => client.closeCode !== undefined);
      return closed.length > 0 ? closed : undefined;
    }, "the killed worker's clients to see their connection end");
    // The drop is seen at once by the peers of the killed process; one more moment for stragglers.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const survivors = room.filter((client) => client.closeCode === undefined);
    expect(survivors.length, `with 6 clients over 2 workers some sit on the healthy one (dropped: ${dropped.map((c) => c.name).join(', ')})`).toBeGreaterThan(0);
    for (const client of dropped) expect(client.closeCode, `${client.name} lost its worker: no close frame, 1006`).toBe(1006);

    // The survivors keep talking while the new worker starts.
    survivors[0]!.socket.send(`${survivors[0]!.name}:during`);
    await untilReceived(survivors, [`${survivors[0]!.name}:during`]);

    await serve.waitFor(/cross-process delivery up/, "the new worker's Redis connection", 3);
    const pids = await workerPids(serve.port, 2);
    expect(pids, 'the killed worker is not among those answering').not.toContain(victim);
    const back = await Promise.all(dropped.map((client) => openChat(serve.port, `${client.name}-again`)));
    const everyone = [...survivors, ...back];
    for (const client of everyone) client.socket.send(`${client.name}:after`);
    await untilReceived(everyone, everyone.map((client) => `${client.name}:after`));
    for (const client of survivors) {
      expect(client.closeCode, `${client.name} on the healthy worker stays open`).toBeUndefined();
      const expected = ['c0:before', `${survivors[0]!.name}:during`, ...everyone.map((other) => `${other.name}:after`)];
      expect([...client.received].sort(), `${client.name} missed nothing and got nothing twice`).toEqual(expected.sort());
    }
  });

  it('SIGINT to the primary: every client gets 1001 Going Away, and the primary exits 0', async () => {
    const serve = await startServe(['--workers', '2']);
    const listening = serve.lines.find((line) => line.startsWith('listening on'));
    expect(listening, 'without --redis the listening line says the rooms are per worker').toMatch(/\(2 workers, .*rooms are per worker without --redis\)/);
    await workerPids(serve.port, 2);
    const room = await clients(serve.port, 4);
    const closes = room.map((client) => new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code))));
    serve.child.kill('SIGINT');
    const codes = await Promise.all(closes);
    expect(codes, 'every client, on both workers, is closed with 1001').toEqual(room.map(() => 1001));
    const code = await Promise.race([serve.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), WAIT_MS))]);
    expect(code, `the primary exits 0 once its workers are gone; it printed:\n${serve.lines.join('\n')}`).toBe(0);
  });

  // The window is stretched to 2 minutes: a worker takes seconds to start on a loaded machine.
  it('gives up with exit code 1 when workers keep dying (the port is taken), after 5 restarts in the window', { timeout: 90_000 }, async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const serve = spawnServe(['--workers', '2', '--restart-window', '120000', '--port', String(port)]);
      const code = await Promise.race([serve.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 4 * WAIT_MS))]);
      const output = serve.lines.join('\n');
      expect(code, `the primary stops restarting and exits 1; it printed:\n${output}`).toBe(1);
      expect(serve.lines.filter((line) => /starting another/.test(line)), `5 restarts, then no more:\n${output}`).toHaveLength(5);
      expect(output).toMatch(/6 deaths within 120 s, giving up/);
      expect(output, 'each worker says why it died').toMatch(new RegExp(`port ${port} is in use`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
