/**
 * `npm run serve -- --workers N|auto`: the primary process of node:cluster (chapter 15).
 *
 * The primary runs no server. It forks N workers, each running the whole demo server of
 * tools/serve.ts; their `listen()` calls are handed to the primary, which holds the one listening
 * socket and, on Linux, passes each accepted connection to a worker in turn (round-robin, cluster's
 * default scheduling). A WebSocket connection then stays on its worker for its whole life.
 *
 * - One line is logged once every first worker listens, with the address they share.
 * - A worker that dies is replaced by a new one, at most {@link MAX_RESTARTS} times within
 *   {@link RESTART_WINDOW_MS}: a worker that cannot start (a port in use, a broken tree) would
 *   otherwise be restarted forever. Past that the primary stops every worker and exits 1, saying why.
 * - SIGINT or SIGTERM: no more restarts; every worker is told to shut down (it closes its
 *   connections with 1001 Going Away, as a single process does) and the primary exits 0 once every
 *   worker is gone. A second signal stops the workers at once and exits 130.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import os from 'node:os';

/** At most this many restarts … */
export const MAX_RESTARTS = 5;
/** … within this many ms (by default). */
export const RESTART_WINDOW_MS = 10_000;

/** The message the primary sends a worker to make it shut down as on Ctrl-C. */
export const SHUTDOWN_MESSAGE = 'workbook:shutdown';

/** `--workers`: a positive whole number, or `auto` for one per core. */
export function parseWorkers(value: string): number {
  if (value === 'auto') return os.availableParallelism();
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Error('a positive whole number of processes, or auto (one per core)');
  return count;
}

export interface PrimaryOptions {
  readonly workers: number;
  /** What the listening line adds after the address, e.g. `solutions, chat room over Redis …`. */
  readonly describe: string;
  readonly log: (line: string) => void;
  /** The window of {@link MAX_RESTARTS}, in ms (default {@link RESTART_WINDOW_MS}). */
  readonly restartWindowMs?: number;
}

/** Runs the primary: forks, restarts within bounds, shuts down on a signal. Never returns to a worker. */
export function runPrimary(options: PrimaryOptions): void {
  const { workers, log } = options;
  const windowMs = options.restartWindowMs ?? RESTART_WINDOW_MS;
  const restarts: number[] = [];
  let listening = 0;
  let stopping = false;

  cluster.on('listening', (_worker, address) => {
    if (++listening !== workers) return;
    log(`listening on http://${address.address ?? '127.0.0.1'}:${address.port} (${workers} workers, ${options.describe}): open it in a browser`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (liveWorkers().length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! <= now - windowMs) restarts.shift();
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    if (restarts.length > MAX_RESTARTS) {
      log(`worker ${worker.process.pid} died (${how}): ${restarts.length} deaths within ${windowMs / 1000} s, giving up`);
      stopping = true;
      for (const other of liveWorkers()) other.process.kill('SIGKILL');
      process.exit(1);
    }
    log(`worker ${worker.process.pid} died (${how}): starting another (${restarts.length} of ${MAX_RESTARTS} restarts allowed within ${windowMs / 1000} s)`);
    cluster.fork();
  });

  const stop = (signal: string): void => {
    if (stopping) {
      log('stopping now');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: every worker closes its connections with 1001 (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again quits at once)`);
    const left = liveWorkers();
    if (left.length === 0) process.exit(0);
    // A worker started by a terminal got the Ctrl-C too; the message reaches those that did not.
    for (const worker of left) if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  for (let i = 0; i < workers; i++) cluster.fork();
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
}

/** In a worker: calls `stop` when the primary says to shut down. */
export function onPrimaryShutdown(stop: () => void): void {
  process.on('message', (message) => {
    if (message === SHUTDOWN_MESSAGE) stop();
  });
}
