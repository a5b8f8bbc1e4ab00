/**
 * What a timer reset costs next to what reading a chunk costs: the figures behind chapter 08's
 * "Why activity only records a time".
 *
 *   npx tsx tools/bench/timers.ts
 *
 * 1. `clearTimeout` + `setTimeout`, the naive way to push a deadline back on every chunk;
 * 2. `timeout.refresh()`, Node's cheaper way to do the same;
 * 3. the reference server's CPU time per `'data'` event: a client sends small masked messages one
 *    at a time and waits for each echo, so each arrives as its own chunk, and the server (in a
 *    process of its own) reports the CPU it used (`process.cpuUsage()`, user + system).
 * Timers: median of 5 rounds of 1,000,000 operations. Server: 20,000 echoes after 2,000 to warm up.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { importWithTree } from '../tree.ts';

const here = fileURLToPath(import.meta.url);
const ROUNDS = 5;
const OPERATIONS = 1_000_000;
const WARMUP_ECHOES = 2_000;
const ECHOES = 20_000;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Nanoseconds per call of `run`, median of the rounds. */
function nanosecondsPer(run: () => void): number {
  for (let i = 0; i < OPERATIONS / 10; i++) run();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPERATIONS; i++) run();
    rounds.push(Number(process.hrtime.bigint() - start) / OPERATIONS);
  }
  return median(rounds);
}

function measureTimers(): { pair: number; refresh: number } {
  const noop = (): void => {};
  let timer = setTimeout(noop, 60_000);
  const pair = nanosecondsPer(() => {
    clearTimeout(timer);
    timer = setTimeout(noop, 60_000);
  });
  const refresh = nanosecondsPer(() => {
    timer.refresh();
  });
  clearTimeout(timer);
  return { pair, refresh };
}

// ─── the server's CPU per 'data' event ───────────────────────────────────────────────────────────

/** The child: the reference echo server; reports its CPU use between 'start' and 'stop'. */
async function serveChild(): Promise<void> {
  const { startServer } = await importWithTree<typeof import('../../server/wiring/server.ts')>('solutions', 'server/wiring/server.ts');
  const server = await startServer({ port: 0 });
  let since = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'start') since = process.cpuUsage();
    if (message === 'stop') {
      const used = process.cpuUsage(since);
      process.send!({ microseconds: used.user + used.system }, () => server.close().then(() => process.exit(0)));
    }
  });
  process.send!({ port: server.port });
}

/** A masked text frame of 16 bytes, key 37 fa 21 3d (RFC 6455 §5.3). */
function smallFrame(): Buffer {
  const key = [0x37, 0xfa, 0x21, 0x3d];
  const payload = Buffer.from('0123456789abcdef');
  return Buffer.from([0x81, 0x80 | payload.length, ...key, ...payload.map((byte, i) => byte ^ key[i % 4]!)]);
}

async function measureServer(): Promise<number> {
  const child = fork(here, ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<{ port?: number; microseconds?: number }> => new Promise((resolve) => child.once('message', resolve as never));
  const { port } = await next();
  const socket = net.connect({ port: port!, host: '127.0.0.1' });
  socket.setNoDelay(true);
  let waiting: (() => void) | null = null;
  let head = true;
  let buffered = 0;
  socket.on('data', (chunk: Buffer) => {
    if (head) {
      if (!chunk.includes('\r\n\r\n')) return;
      head = false;
      buffered = chunk.length - (chunk.indexOf('\r\n\r\n') + 4);
    } else buffered += chunk.length;
    // The echo is 18 bytes: 81 10 and the 16 payload bytes.
    if (buffered >= 18 && waiting !== null) {
      buffered -= 18;
      const done = waiting;
      waiting = null;
      done();
    }
  });
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (!head) {
        clearInterval(poll);
        resolve();
      }
    }, 1);
  });
  const frame = smallFrame();
  const echo = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      socket.write(frame);
    });
  for (let i = 0; i < WARMUP_ECHOES; i++) await echo();
  child.send('start');
  for (let i = 0; i < ECHOES; i++) await echo();
  child.send('stop');
  const { microseconds } = await next();
  socket.destroy();
  return microseconds! / ECHOES;
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serveChild();
  const { pair, refresh } = measureTimers();
  const perChunk = await measureServer();
  const micro = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
  console.log(`Node ${process.versions.node}`);
  console.log(`clearTimeout + setTimeout          ${micro(pair)} per reset`);
  console.log(`timeout.refresh()                  ${micro(refresh)} per reset`);
  console.log(`server CPU per 'data' event        ${perChunk.toFixed(1)} µs (a 16-byte message read and echoed, reference server)`);
  console.log(`a reset per chunk would add        ${((pair / 1000 / perChunk) * 100).toFixed(1)} % (clear + set), ${((refresh / 1000 / perChunk) * 100).toFixed(1)} % (refresh)`);
}

await main();
