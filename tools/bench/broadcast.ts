/**
 * `npm run bench -- --broadcast`: chapter 15's broadcast benchmark, one chat room on `/chat` held
 * by 1, 2 or 4 worker processes (node:cluster) sharing it over Redis pub/sub, beside one process
 * with its room in memory.
 *
 *   npm run bench -- --broadcast [--clients 200] [--senders 4] [--window 8] [--workers 1,2,4]
 *                                [--rounds 3] [--duration 3] [--warmup 1] [--impl solutions|chapters]
 *
 * How it measures. For each configuration, every round: a fresh redis-server on a free loopback
 * port (with `--redis`), a fresh `npm run serve -- --workers W --redis URL`, and the clients in a
 * process of their own (this file, started with `--clients-process`), so that the runner and the
 * clients never share a JavaScript thread with each other, nor either of them with the server.
 * - The clients join `/chat` through the one port; node:cluster spreads them over the workers.
 * - Verify: every sender says one message and every client must receive all of them (repeated with
 *   new messages while a worker's subscription is still coming up, bounded). A room that loses
 *   messages fails here and reports no figure.
 * - Load: a few senders keep a window of messages each that have not yet reached every client (a
 *   message leaves the window once its last client got it), so they send as fast as the fan-out
 *   delivers, and the queues stay bounded. After a warm-up, the counters are read at the start and
 *   at the end of the measured interval, with the CPU time (/proc, proc.ts) of the server (its
 *   primary and every worker) and of the clients' own process: if the clients' process is near
 *   100 % of a core, it is the bottleneck, and the figure says so.
 * A delivery is one chat message received by one client: one message sent reaches all N clients,
 * so deliveries ≈ sends × N.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { killServers, startServe } from '../../test/15-scale-out/processes.ts';
import { startRedis, type TestRedis } from '../../test/helpers/redis.ts';
import { cpuTimeMs } from './proc.ts';
import { format, median, pad, spreadOf } from './report.ts';
import { root } from '../tree.ts';

/** One configuration: how many workers, and whether the room goes through Redis. */
export interface BroadcastConfig {
  readonly workers: number;
  readonly redis: boolean;
}

export interface BroadcastOptions {
  readonly clients: number;
  readonly senders: number;
  /** Messages per sender not yet delivered to every client. */
  readonly window: number;
  readonly configs: readonly BroadcastConfig[];
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The tree the server runs (`--impl`). */
  readonly impl: string;
  /** Where progress lines go. */
  readonly log?: (line: string) => void;
}

/** What the clients' process is asked to do, over IPC. */
interface ClientsSpec {
  readonly port: number;
  readonly serverPids: readonly number[];
  readonly clients: number;
  readonly senders: number;
  readonly window: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** What one round of one configuration measured. */
export interface RoundResult {
  readonly deliveries: number;
  readonly sends: number;
  readonly elapsedMs: number;
  readonly serverCpuMs: number;
  readonly clientCpuMs: number;
}

export interface ConfigResult {
  readonly config: BroadcastConfig;
  readonly rounds: readonly RoundResult[];
}

/** A short text, as a chat says: `<sender> <seq> ` and a few words. */
const FILLER = 'hello, everyone in the room';
/** How long the verify phase may try, and how long each attempt waits, in ms. */
const VERIFY_TOTAL_MS = 15_000;
const VERIFY_ATTEMPT_MS = 1_500;
/** How long in-flight messages may take to drain after the measured interval, in ms. */
const DRAIN_MS = 5_000;

export function label(config: BroadcastConfig): string {
  return `${config.workers} worker${config.workers > 1 ? 's' : ''}${config.redis ? ' + Redis' : ', no Redis'}`;
}

// ── The clients' process ───────────────────────────────────────────────────────────────────────

/** Opens `count` chat clients on `/chat`; `onText` sees every text message each gets. */
async function openClients(port: number, count: number, onText: (client: number, text: string) => void): Promise<WebSocket[]> {
  const open = (index: number): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/chat`, ['chat'], { perMessageDeflate: false });
      socket.on('message', (data, isBinary) => {
        if (!isBinary) onText(index, String(data));
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const sockets: WebSocket[] = [];
  // In batches, so a loaded machine's accept queue never overflows.
  for (let first = 0; first < count; first += 50) {
    const batch = Array.from({ length: Math.min(50, count - first) }, (_, i) => open(first + i));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Verify, load, measure: runs in the clients' process. */
async function runClients(spec: ClientsSpec): Promise<RoundResult> {
  const cpuNow = (): { server: number; client: number } => ({
    server: spec.serverPids.reduce((sum, pid) => sum + cpuTimeMs(pid), 0),
    client: cpuTimeMs(process.pid),
  });
  // Verify phase: texts `v<attempt>:<sender>`; which client got which.
  const verified = new Map<string, Set<number>>();
  // Load phase: per sender, sequence number → clients still to receive it.
  const pending = Array.from({ length: spec.senders }, () => new Map<number, number>());
  const nextSeq = new Array<number>(spec.senders).fill(0);
  let sending = false;
  let deliveries = 0;
  let sends = 0;
  let sockets: WebSocket[] = [];
  const send = (sender: number): void => {
    const seq = nextSeq[sender]!++;
    pending[sender]!.set(seq, spec.clients);
    sends++;
    sockets[sender]!.send(`${sender} ${seq} ${FILLER}`);
  };
  const onText = (client: number, text: string): void => {
    if (text.startsWith('v')) {
      verified.get(text)?.add(client);
      return;
    }
    const space = text.indexOf(' ');
    const sender = Number(text.slice(0, space));
    const seq = Number(text.slice(space + 1, text.indexOf(' ', space + 1)));
    const waiting = pending[sender];
    const left = waiting?.get(seq);
    if (waiting === undefined || left === undefined) return;
    deliveries++;
    if (left > 1) return void waiting.set(seq, left - 1);
    waiting.delete(seq);
    if (sending) send(sender);
  };
  sockets = await openClients(spec.port, spec.clients, onText);
  try {
    await verify(spec, sockets, verified);
    sending = true;
    for (let sender = 0; sender < spec.senders; sender++) for (let i = 0; i < spec.window; i++) send(sender);
    await sleep(spec.warmupMs);
    const start = { at: performance.now(), deliveries, sends, cpu: cpuNow() };
    await sleep(spec.durationMs);
    const end = { at: performance.now(), deliveries, sends, cpu: cpuNow() };
    sending = false;
    const drainBy = Date.now() + DRAIN_MS;
    while (pending.some((waiting) => waiting.size > 0) && Date.now() < drainBy) await sleep(20);
    return {
      deliveries: end.deliveries - start.deliveries,
      sends: end.sends - start.sends,
      elapsedMs: end.at - start.at,
      serverCpuMs: end.cpu.server - start.cpu.server,
      clientCpuMs: end.cpu.client - start.cpu.client,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

/** Every sender says one message until every client got every one of them; fails after a bound. */
async function verify(spec: ClientsSpec, sockets: readonly WebSocket[], verified: Map<string, Set<number>>): Promise<void> {
  const deadline = Date.now() + VERIFY_TOTAL_MS;
  for (let attempt = 0; ; attempt++) {
    const texts = Array.from({ length: spec.senders }, (_, sender) => `v${attempt}:${sender}`);
    for (const text of texts) verified.set(text, new Set());
    texts.forEach((text, sender) => sockets[sender]!.send(text));
    const complete = (): boolean => texts.every((text) => verified.get(text)!.size === spec.clients);
    const attemptEnds = Date.now() + VERIFY_ATTEMPT_MS;
    while (!complete() && Date.now() < attemptEnds) await sleep(20);
    if (complete()) return;
    if (Date.now() > deadline) {
      const got = texts.map((text) => `${text}: ${verified.get(text)!.size}/${spec.clients}`).join(', ');
      throw new Error(`the room lost messages: not every client got every message within ${VERIFY_TOTAL_MS} ms (${got})`);
    }
  }
}

if (process.argv.includes('--clients-process')) {
  process.on('message', (spec: ClientsSpec) => {
    runClients(spec).then(
      (result) => process.send!({ result }),
      (error: Error) => process.send!({ error: error.message }),
    );
  });
}

// ── The runner ─────────────────────────────────────────────────────────────────────────────────

/** The pids of `primary`'s children (the cluster's workers), from /proc/<pid>/stat's ppid field. */
function childPids(primary: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === primary) pids.push(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return pids;
}

/** Runs one round in a fresh clients' process and resolves with what it measured. */
function inClientsProcess(spec: ClientsSpec): Promise<RoundResult> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--clients-process'], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<RoundResult>((resolve, reject) => {
    child.once('message', (message: { result?: RoundResult; error?: string }) => {
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result!);
    });
    child.once('exit', (code) => reject(new Error(`the clients' process exited (code ${code}) before reporting`)));
    child.send(spec);
  }).finally(() => child.kill());
}

/** One round of one configuration: Redis and the server started, measured, stopped. */
async function runRound(config: BroadcastConfig, options: BroadcastOptions): Promise<RoundResult> {
  let redis: TestRedis | undefined;
  try {
    redis = config.redis ? await startRedis() : undefined;
    const args = ['--impl', options.impl, '--workers', String(config.workers), ...(redis ? ['--redis', redis.url] : [])];
    const server = await startServe(args);
    const primary = server.child.pid!;
    const serverPids = [primary, ...(config.workers > 1 ? childPids(primary) : [])];
    if (serverPids.length !== (config.workers > 1 ? config.workers + 1 : 1)) {
      throw new Error(`found ${serverPids.length - 1} worker process(es) of ${primary}, expected ${config.workers}`);
    }
    const { clients, senders, window, warmupMs, durationMs } = options;
    return await inClientsProcess({ port: server.port, serverPids, clients, senders, window, warmupMs, durationMs });
  } finally {
    killServers();
    await redis?.stop();
  }
}

/** Every round of every configuration, the configurations taking turns within a round. */
export async function runBroadcast(options: BroadcastOptions): Promise<ConfigResult[]> {
  const results = options.configs.map((config) => ({ config, rounds: [] as RoundResult[] }));
  for (let round = 0; round < options.rounds; round++) {
    for (const result of results) {
      const measured = await runRound(result.config, options);
      result.rounds.push(measured);
      options.log?.(
        `round ${round + 1}/${options.rounds}  ${pad(label(result.config), 20)} ${format(perSecond(measured, measured.deliveries))} deliveries/s`,
      );
    }
  }
  return results;
}

export const perSecond = (round: RoundResult, count: number): number => (count / round.elapsedMs) * 1000;
const cpuPercent = (round: RoundResult, cpuMs: number): number => (cpuMs / round.elapsedMs) * 100;

/** The report's table: medians (min–max) over the rounds, one line per configuration. */
export function table(results: readonly ConfigResult[]): string[] {
  const cell = (values: number[]): string => `${format(median(values))} (${spreadOf(values, format)})`;
  const header = `${pad('configuration', 22)}${pad('deliveries/s', 30)}${pad('sent/s', 24)}${pad('server CPU %', 22)}clients CPU %`;
  return [
    header,
    ...results.map(({ config, rounds }) =>
      [
        pad(label(config), 22),
        pad(cell(rounds.map((r) => perSecond(r, r.deliveries))), 30),
        pad(cell(rounds.map((r) => perSecond(r, r.sends))), 24),
        pad(cell(rounds.map((r) => cpuPercent(r, r.serverCpuMs))), 22),
        cell(rounds.map((r) => cpuPercent(r, r.clientCpuMs))),
      ].join(''),
    ),
  ];
}

/** `npm run bench -- --broadcast …`: parses its options, runs, prints the report. */
export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      impl: { type: 'string', default: 'solutions' },
      clients: { type: 'string', default: '200' },
      senders: { type: 'string', default: '4' },
      window: { type: 'string', default: '8' },
      workers: { type: 'string', default: '1,2,4' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const workers = values.workers.split(',').map(Number);
  const options: BroadcastOptions = {
    impl: values.impl,
    clients: Number(values.clients),
    senders: Number(values.senders),
    window: Number(values.window),
    configs: [{ workers: 1, redis: false }, ...workers.map((count) => ({ workers: count, redis: true }))],
    rounds: Number(values.rounds),
    warmupMs: Number(values.warmup) * 1000,
    durationMs: Number(values.duration) * 1000,
    log: (line) => console.log(line),
  };
  console.log('WebSocket broadcast benchmark: one chat room on /chat (chapter 15)');
  console.log(`command:  npm run bench -- --broadcast${argv.length > 0 ? ` ${argv.join(' ')}` : ''}`);
  console.log(
    `method:   ${options.clients} clients, ${options.senders} senders with ${options.window} messages each not yet delivered to all;` +
      ` ${options.warmupMs / 1000} s warm-up + ${options.durationMs / 1000} s measured; ${options.rounds} round(s)`,
  );
  const results = await runBroadcast(options);
  console.log('');
  for (const line of table(results)) console.log(line);
  console.log(
    '\nA delivery is one message received by one client (sent/s × clients). CPU is user + system time from\n' +
      "/proc over the measured interval, in % of one core: the server's sums its primary and workers.",
  );
}
