/**
 * `npm run bench`: the workbook's server against the `ws` package, side by side, in one run.
 *
 *   npm run bench                     3 rounds, every server, every scenario (~2.5 min on 2 cores)
 *   npm run bench -- --quick          1 short round (smoke test, < 30 s)
 *   npm run bench -- --impl chapters  measure the learner's server instead of the reference
 *   npm run bench -- --micro          chapter 11's micro-benchmarks instead (tools/bench/micro.ts)
 *   options: --rounds N  --duration S (measured seconds)  --warmup S  --servers a,b  --scenarios a,b
 *
 * How it measures. Every server is compiled to one JavaScript file (esbuild) and runs in its own
 * process on bare node (it prints its port), and the load generator runs in another (tools/bench/loadgen.ts), so on a
 * 2-core machine each side has a core. Rounds alternate the servers (their order rotates every
 * round) so a slow minute of the machine hits them all alike; a fresh server process serves each
 * round, its scenarios in a fixed order: the 1,000-connection scenario first, so the server's peak
 * RSS (VmHWM in /proc/<pid>/status) is what that scenario cost on top of a fresh process. Each
 * figure is the median over the rounds, with the spread (min–max) and the ratio to `ws`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioResult, ScenarioSpec } from './loadgen.ts';
import { parseTree, treeDir, type Tree } from '../tree.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

// ── Servers ────────────────────────────────────────────────────────────────────────────────────

interface ServerSpec {
  readonly id: string;
  readonly label: string;
  /** The module to compile, relative to the repository root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  readonly path: string;
  /** The ceiling replies with zeros of the right size: its echo is not checked. */
  readonly echoes: boolean;
}

function servers(impl: string): ServerSpec[] {
  return [
    {
      id: 'reference',
      label: impl === 'chapters' ? 'chapters (yours)' : 'reference',
      entry: 'server/demo/demo-server.ts',
      env: {},
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ws-js',
      label: 'ws (pure JS)',
      entry: 'tools/bench/server-ws.ts',
      env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ws-native',
      label: 'ws + bufferutil',
      entry: 'tools/bench/server-ws.ts',
      env: {},
      path: '/echo',
      echoes: true,
    },
    {
      id: 'ceiling',
      label: 'ceiling (raw TCP)',
      entry: 'tools/bench/server-ceiling.ts',
      env: {},
      path: '/echo',
      echoes: false,
    },
  ];
}

// ── Scenarios ──────────────────────────────────────────────────────────────────────────────────

interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly value: (result: ScenarioResult, peakRssBytes: number | null) => number;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly spec: Omit<ScenarioSpec, 'port' | 'path' | 'warmupMs' | 'durationMs' | 'verifyEcho'>;
  readonly metrics: readonly Metric[];
  /** Read the server's peak RSS right after this scenario. */
  readonly rss?: boolean;
}

const messagesPerSecond: Metric = {
  name: 'messages/s',
  unit: 'msg/s',
  higherIsBetter: true,
  value: (r) => (r.messages / r.elapsedMs) * 1000,
};

function scenarios(quick: boolean): Scenario[] {
  const idle = quick ? 200 : 1000;
  return [
    {
      // First in every server process: peak RSS is then this scenario's cost over a fresh process.
      id: 'connections',
      title: `${idle.toLocaleString('en')} open connections, traffic on 8 of them (32 B text, window 16)`,
      spec: { connections: idle, active: 8, window: 16, size: 32, text: true, latency: false },
      metrics: [
        messagesPerSecond,
        {
          name: 'server peak RSS',
          unit: 'MB',
          higherIsBetter: false,
          value: (_r, rss) => (rss ?? Number.NaN) / 1e6,
        },
      ],
      rss: true,
    },
    {
      id: 'small',
      title: '64 connections × 32 B text messages, 16 in flight per connection',
      spec: { connections: 64, active: 64, window: 16, size: 32, text: true, latency: false },
      metrics: [messagesPerSecond],
    },
    {
      id: 'latency',
      title: '1 connection, 1 message (32 B text) in flight: round-trip latency',
      spec: { connections: 1, active: 1, window: 1, size: 32, text: true, latency: true },
      metrics: [
        { name: 'p50', unit: 'µs', higherIsBetter: false, value: (r) => r.p50Us ?? Number.NaN },
        { name: 'p99', unit: 'µs', higherIsBetter: false, value: (r) => r.p99Us ?? Number.NaN },
      ],
    },
    {
      id: 'large',
      title: '4 connections × 1 MiB binary messages, 2 in flight per connection',
      spec: { connections: 4, active: 4, window: 2, size: 1 << 20, text: false, latency: false },
      metrics: [
        {
          name: 'MB/s echoed',
          unit: 'MB/s',
          higherIsBetter: true,
          value: (r) => r.payloadBytes / 1e6 / (r.elapsedMs / 1000),
        },
      ],
    },
  ];
}

// ── Processes ──────────────────────────────────────────────────────────────────────────────────

interface RunningServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  stderr(): string;
}

/**
 * Compiles a server to one plain JavaScript file, as a deployment would: every server then runs on
 * bare `node`, with no TypeScript loader in the process (a loader's transforms cost memory per
 * closure and would be measured as the server's). Packages stay imports, resolved from node_modules.
 */
async function compileServer(server: ServerSpec, impl: Tree): Promise<string> {
  const outfile = path.join(root, '.tmp', 'bench', `${server.id}.mjs`);
  const options: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  };
  if (server.id === 'reference') {
    // The workbook's server: serve() from the chosen tree, printing its port like the others.
    const serve = JSON.stringify(path.join(root, server.entry));
    const contents = `import { serve } from ${serve};\nconst server = await serve({ port: 0 });\nconsole.log(server.port);\n`;
    // `@impl/` is the chosen tree here, as tools/tree.ts makes it for tsx.
    const tree = treeDir(impl);
    const plugins: esbuild.Plugin[] = [
      {
        name: 'impl-tree',
        setup(build) {
          build.onResolve({ filter: /^@impl\// }, (args) => ({ path: path.join(tree, args.path.slice('@impl/'.length)) }));
        },
      },
    ];
    await esbuild.build({ ...options, plugins, stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'server-reference.ts' } });
  } else {
    await esbuild.build({ ...options, entryPoints: [path.join(root, server.entry)] });
  }
  return outfile;
}

function startServer(server: ServerSpec, compiled: string): Promise<RunningServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiled], {
      cwd: root,
      env: { ...process.env, ...server.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error('did not print its port within 20 s')), 20_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${server.label}: ${error.message}${err ? `\n${err.trim()}` : ''}`));
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({ child, port: Number(match[1]), stderr: () => err });
    });
    child.on('exit', (code, signal) => fail(new Error(`exited (${signal ?? code}) before listening`)));
    child.on('error', fail);
  });
}

async function stopServer(server: RunningServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGKILL');
  await exited;
}

/** VmHWM (peak resident set) of a process, in bytes, from /proc (Linux only). */
function peakRss(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

class LoadGenerator {
  private readonly child = fork(path.join(here, 'loadgen.ts'), [], {
    execArgv: ['--import', 'tsx'],
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: ScenarioResult) => void; reject: (e: Error) => void }>();

  constructor() {
    this.child.on('message', (message: { id: number; result?: ScenarioResult; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result!);
    });
    this.child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the load generator exited'));
      this.pending.clear();
    });
  }

  run(spec: ScenarioSpec): Promise<ScenarioResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, spec });
    });
  }

  stop(): void {
    this.child.kill();
  }
}

// ── Report ─────────────────────────────────────────────────────────────────────────────────────

function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cpus.length} cores, ${os.type()} ${os.release()}, Node ${process.version}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 100) return Math.round(value).toLocaleString('en');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

type Samples = Map<string, Map<string, number[]>>; // scenario/metric → server id → one value per round

function printTable(
  scenario: Scenario,
  metric: Metric,
  list: readonly ServerSpec[],
  samples: Samples,
  failures: Map<string, string>,
): void {
  const byServer = samples.get(`${scenario.id}/${metric.name}`) ?? new Map<string, number[]>();
  const base = (id: string): number | null => {
    const values = byServer.get(id);
    return values && values.length > 0 ? median(values) : null;
  };
  const wsJs = base('ws-js');
  const wsNative = base('ws-native');
  const better = metric.higherIsBetter ? 'higher is better' : 'lower is better';
  console.log(`  ${metric.name} (${metric.unit}, ${better})`);
  console.log(
    `    ${pad('server', 20)}${pad('median', 12, true)}${pad('min–max', 24, true)}${pad('÷ ws JS', 10, true)}${pad('÷ ws+bu', 10, true)}`,
  );
  for (const server of list) {
    const values = byServer.get(server.id) ?? [];
    const failure = failures.get(`${scenario.id}/${server.id}`);
    if (values.length === 0) {
      console.log(`    ${pad(server.label, 20)}${pad('failed', 12, true)}  ${failure ?? ''}`);
      continue;
    }
    const mid = median(values);
    const spread = `${format(Math.min(...values))}–${format(Math.max(...values))}`;
    const ratio = (against: number | null): string => (against === null ? '–' : `${(mid / against).toFixed(2)}×`);
    console.log(
      `    ${pad(server.label, 20)}${pad(format(mid), 12, true)}${pad(spread, 24, true)}${pad(ratio(wsJs), 10, true)}${pad(ratio(wsNative), 10, true)}` +
        (failure ? `  (${values.length} rounds; failed: ${failure})` : ''),
    );
  }
}

// ── Main ───────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { values: options } = parseArgs({
    options: {
      impl: { type: 'string', default: 'solutions' },
      quick: { type: 'boolean', default: false },
      micro: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      servers: { type: 'string' },
      scenarios: { type: 'string' },
    },
    strict: true,
  });
  if (options.micro) {
    await import('./micro.ts');
    return;
  }
  const impl = parseTree(options.impl);
  const quick = options.quick;
  const rounds = Number(options.rounds ?? (quick ? 1 : 3));
  const durationMs = Number(options.duration ?? (quick ? 0.5 : 2)) * 1000;
  const warmupMs = Number(options.warmup ?? (quick ? 0.2 : 0.5)) * 1000;
  const pick = <T extends { id: string }>(all: T[], filter: string | undefined): T[] =>
    filter === undefined ? all : all.filter((item) => filter.split(',').includes(item.id));
  const serverList = pick(servers(impl), options.servers);
  const scenarioList = pick(scenarios(quick), options.scenarios);

  console.log('WebSocket echo benchmark');
  console.log(`machine:  ${machine()}`);
  console.log(`command:  npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
  console.log(
    `method:   ${rounds} round(s); each server in its own process, the load generator in another (same 2 cores);` +
      `\n          ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured per scenario; server order rotates every round`,
  );
  console.log('');

  const started = Date.now();
  const samples: Samples = new Map();
  const failures = new Map<string, string>();
  const record = (key: string, server: string, value: number): void => {
    const byServer = samples.get(key) ?? new Map<string, number[]>();
    samples.set(key, byServer);
    byServer.set(server, [...(byServer.get(server) ?? []), value]);
  };

  const compiled = new Map(await Promise.all(serverList.map(async (server) => [server.id, await compileServer(server, impl)] as const)));
  const load = new LoadGenerator();
  try {
    for (let round = 0; round < rounds; round++) {
      const order = serverList.map((_, i) => serverList[(i + round) % serverList.length]!);
      for (const server of order) {
        const line: string[] = [];
        let running: RunningServerProcess;
        try {
          running = await startServer(server, compiled.get(server.id)!);
        } catch (error) {
          for (const scenario of scenarioList) failures.set(`${scenario.id}/${server.id}`, (error as Error).message);
          console.log(`round ${round + 1}/${rounds}  ${pad(server.label, 18)} failed to start: ${(error as Error).message}`);
          continue;
        }
        for (const scenario of scenarioList) {
          try {
            const result = await load.run({
              ...scenario.spec,
              port: running.port,
              path: server.path,
              warmupMs,
              durationMs,
              verifyEcho: server.echoes,
            });
            const rss = scenario.rss ? peakRss(running.child.pid!) : null;
            for (const metric of scenario.metrics) {
              const value = metric.value(result, rss);
              record(`${scenario.id}/${metric.name}`, server.id, value);
              line.push(`${scenario.id} ${metric.name} ${format(value)}`);
            }
          } catch (error) {
            const stderr = running.stderr().trim().split('\n').slice(-3).join(' | ');
            const message = `${(error as Error).message}${stderr ? ` [server stderr: ${stderr}]` : ''}`;
            failures.set(`${scenario.id}/${server.id}`, message);
            line.push(`${scenario.id} FAILED`);
          }
        }
        await stopServer(running);
        console.log(`round ${round + 1}/${rounds}  ${pad(server.label, 18)} ${line.join(' · ')}`);
      }
    }
  } finally {
    load.stop();
  }

  console.log('');
  for (const scenario of scenarioList) {
    console.log(scenario.title);
    for (const metric of scenario.metrics) printTable(scenario, metric, serverList, samples, failures);
    console.log('');
  }
  console.log(
    'Notes: MB/s counts echoed payload bytes (each crosses the loopback twice). Peak RSS is the server\n' +
      "process's VmHWM after the connections scenario, which runs first in a fresh process. The ceiling\n" +
      'parses frame headers and answers each frame with a cached unmasked frame of the same size (no\n' +
      'unmasking, no UTF-8 check, no echo of the content): the cost of Node sockets plus framing.\n' +
      'ws is run as an app would use it: socket.send(data, { binary: isBinary }), text as a Buffer.',
  );
  console.log(`total time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
