/**
 * A real Redis for a test: Debian's redis-server on a free loopback port, with no persistence
 * (`--save ''`, `--appendonly no`, its files in a temporary folder), started and waited for here,
 * and always stopped again.
 *
 *   const redis = await startRedis();
 *   ... redis.url (redis://127.0.0.1:PORT) ...
 *   await redis.stop();                      // and startRedis({ port: redis.port }) brings it back
 *
 * A missing binary fails the test with the Debian package to install, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accepts, freePort } from './ports.ts';

export { freePort } from './ports.ts';

const REDIS_SERVER = '/usr/bin/redis-server';
/** How long redis-server may take to accept connections on a loaded machine, in ms. */
const START_TIMEOUT_MS = 10_000;

export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, as `--redis` takes it. */
  readonly url: string;
  /** Stops it (SIGKILL: a crash, nothing flushed) and resolves once the process is gone. */
  stop(): Promise<void>;
}

const running = new Set<TestRedis>();

/** Resolves once something accepts a TCP connection on 127.0.0.1:`port`, trying every 25 ms until `deadline`. */
async function untilAccepting(port: number, deadline: number, exited: () => string | null): Promise<void> {
  for (;;) {
    if (await accepts(port)) return;
    const why = exited();
    if (why !== null) throw new Error(`redis-server exited before accepting connections: ${why}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on port ${port} within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts redis-server on `port` (a free one by default) and resolves once it accepts connections. */
export async function startRedis(options: { readonly port?: number } = {}): Promise<TestRedis> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: install the Debian package redis-server (apt-get update && apt-get install -y redis-server)`);
  }
  const port = options.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workbook-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'];
  const child: ChildProcess = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exit: string | null = null;
  const gone = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      exit = error.message;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit = `code ${code}, signal ${signal}; it printed: ${output.trim() || '(nothing)'}`;
      resolve();
    });
  });
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      running.delete(redis);
      if (exit === null) child.kill('SIGKILL');
      await gone;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(redis);
  try {
    await untilAccepting(port, Date.now() + START_TIMEOUT_MS, () => exit);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return redis;
}

/** Stops every Redis {@link startRedis} started and not stopped yet: use in `afterEach`/`afterAll`. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((redis) => redis.stop()));
}
