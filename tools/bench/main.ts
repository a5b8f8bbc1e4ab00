/**
 * `npm run bench`: the workbook's server against the `ws` package, side by side, in one run.
 *
 *   npm run bench                     3 rounds, every server, every scenario (5–7 min on 2 cores)
 *   npm run bench -- --quick          1 short round with fewer connections (smoke test, < 60 s)
 *   npm run bench -- --impl chapters  measure the learner's server instead of the reference
 *   npm run bench -- --micro          chapter 11's micro-benchmarks instead (tools/bench/micro.ts)
 *   npm run bench -- --broadcast      chapter 15's chat room over 1, 2, 4 workers and Redis (tools/bench/broadcast.ts)
 *   npm run bench -- --cpu-prof DIR   also write each server's CPU profile into DIR/<scenario>-<server>/
 *                                     (summarise one with `npx tsx tools/bench/profile.ts FILE`)
 *   options: --rounds N  --duration S (measured seconds)  --warmup S  --servers a,b  --scenarios a,b
 *
 * How it measures. Every server is compiled to one JavaScript file (esbuild) and runs in its own
 * process on bare node (it prints its port), and the load generator runs in another
 * (tools/bench/loadgen.ts), so on a 2-core machine each side has a core. Each scenario
 * (scenarios.ts) gets a fresh server process, so no scenario's memory is counted in the next; the
 * servers take turns scenario by scenario, their order rotating every round, so a slow minute of
 * the machine hits them all alike. The load generator reads the server's CPU time and memory from
 * /proc (proc.ts) as its measurement starts and ends. Each figure is the median over the rounds,
 * with the spread (min–max) and the ratio to `ws`; the performance targets close the report
 * (report.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScenarioResult, ScenarioSpec } from './loadgen.ts';
import { doneWhen, format, pad, printTable, summary, type Samples } from './report.ts';
import { DEFLATE_ENV } from './deflate-settings.ts';
import { scenarios, usesDeflate, type Scenario } from './scenarios.ts';
import {
  compileServer,
  removeCompiledServers,
  servers,
  startServer,
  stopServer,
  withRaisedFileLimit,
  type RunningServerProcess,
  type ServerSpec,
} from './servers.ts';
import { parseTree, root, type Tree } from '../tree.ts';


const here = path.dirname(fileURLToPath(import.meta.url));

// ── Processes ──────────────────────────────────────────────────────────────────────────────────

class LoadGenerator {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: ScenarioResult) => void; reject: (e: Error) => void }>();

  constructor() {
    const [command, args] = withRaisedFileLimit(['--import', 'tsx', path.join(here, 'loadgen.ts')]);
    this.child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

interface Timing {
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** The scenario's plan with what this run adds: the server to reach, the timing, the echo check. */
function specFor(scenario: Scenario, server: ServerSpec, running: RunningServerProcess, timing: Timing): ScenarioSpec {
  const target = { port: running.port, path: server.path, serverPid: running.child.pid! };
  const plan = scenario.plan;
  if (plan.kind === 'traffic') {
    const durationMs = Math.max(timing.durationMs, scenario.minDurationMs ?? 0);
    return { ...plan, ...target, ...timing, durationMs, verifyEcho: server.echoes };
  }
  return { ...plan, ...target };
}

// ── Main ───────────────────────────────────────────────────────────────────────────────────────

function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cpus.length} cores, ${os.type()} ${os.release()}, Node ${process.version}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`;
}

interface Run {
  readonly quick: boolean;
  readonly rounds: number;
  readonly timing: Timing;
  readonly serverList: readonly ServerSpec[];
  readonly scenarioList: readonly Scenario[];
  /** Where CPU profiles go (--cpu-prof), or undefined. */
  readonly profileDir: string | undefined;
}

/** What the rounds gathered: the figures, the failures, and what each server said about itself. */
interface Measurements {
  readonly samples: Samples;
  /** scenario id/server id → why it failed. */
  readonly failures: Map<string, string>;
  /** server id → the lines it printed before its port (ws: how it masks). */
  readonly notes: Map<string, string>;
}

/**
 * Every round, every scenario, every server: a fresh server process, one load-generator run, the
 * figures recorded. The servers take turns within a scenario, in an order that rotates each round.
 */
async function measure(run: Run, impl: Tree): Promise<Measurements> {
  const measured: Measurements = { samples: new Map(), failures: new Map(), notes: new Map() };
  const record = (key: string, server: string, value: number): void => {
    const byServer = measured.samples.get(key) ?? new Map<string, number[]>();
    measured.samples.set(key, byServer);
    byServer.set(server, [...(byServer.get(server) ?? []), value]);
  };
  const { serverList } = run;
  const compiled = new Map(await Promise.all(serverList.map(async (server) => [server.id, await compileServer(server, impl)] as const)));
  const load = new LoadGenerator();
  try {
    for (let round = 0; round < run.rounds; round++) {
      const order = serverList.map((_, i) => serverList[(i + round) % serverList.length]!);
      for (const scenario of run.scenarioList) {
        if (scenario.once && round > 0) continue;
        const scenarioStarted = Date.now();
        const line: string[] = [];
        for (const server of order) {
          if (scenario.echoOnly && !server.echoes) continue;
          const key = `${scenario.id}/${server.id}`;
          let running: RunningServerProcess;
          try {
            const profileDir = run.profileDir && path.join(run.profileDir, `${scenario.id}-${server.id}`);
            const env: Record<string, string> = usesDeflate(scenario) ? { [DEFLATE_ENV]: '1' } : {};
            running = await startServer(server, compiled.get(server.id)!, profileDir, env);
          } catch (error) {
            measured.failures.set(key, (error as Error).message);
            line.push(`${server.id} failed to start`);
            continue;
          }
          if (!measured.notes.has(server.id) && running.notes.length > 0) {
            measured.notes.set(server.id, running.notes.join('; '));
            console.log(`${pad(server.label, 20)}${running.notes.join('; ')}`);
          }
          try {
            const result = await load.run(specFor(scenario, server, running, run.timing));
            const figures = scenario.metrics.map((metric) => {
              const value = metric.value(result);
              record(`${scenario.id}/${metric.name}`, server.id, value);
              return (metric.show ?? format)(value);
            });
            line.push(`${server.id} ${figures.join(' / ')}`);
          } catch (error) {
            const stderr = running.stderr().trim().split('\n').slice(-3).join(' | ');
            measured.failures.set(key, `${(error as Error).message}${stderr ? ` [server stderr: ${stderr}]` : ''}`);
            line.push(`${server.id} FAILED`);
          }
          await stopServer(running);
        }
        const seconds = ((Date.now() - scenarioStarted) / 1000).toFixed(1);
        console.log(`round ${round + 1}/${run.rounds}  ${pad(scenario.id, 11)} ${line.join(' · ')}  (${seconds} s)`);
      }
    }
  } finally {
    load.stop();
    removeCompiledServers();
  }
  return measured;
}

function report(run: Run, { samples, failures, notes }: Measurements): void {
  // bufferutil falls back to JavaScript silently: then "ws + bufferutil" is pure JS measured twice.
  const warnings = new Map<string, string>();
  const nativeNote = notes.get('ws-native');
  if (nativeNote !== undefined && !nativeNote.includes('native')) {
    warnings.set('ws-native', 'its bufferutil addon did not load: this is pure JS too');
    console.log(`\nWARNING: "ws + bufferutil" ran without its addon (${nativeNote}): it measured pure JS.`);
  }
  console.log('');
  for (const scenario of run.scenarioList) {
    console.log(scenario.title);
    for (const metric of scenario.metrics) printTable(scenario, metric, run.serverList, samples, failures);
    console.log('');
  }
  console.log(
    'Notes: MB counts echoed payload bytes (10^6; each crosses the loopback twice). Server CPU is user +\n' +
      'system time from /proc/<pid>/stat over the measured interval, per echoed message or MB. RSS per idle\n' +
      "connection is the server's VmRSS growth (kB = 1,000 bytes) from before the connections were opened\n" +
      `to ${run.quick ? '0.3' : '1'} s after, over their number. The ceiling parses frame headers and answers each frame with a\n` +
      'cached unmasked frame of the same size (no unmasking, no UTF-8 check, no echo of the content): the\n' +
      'cost of Node sockets plus framing. ws is run as an app would use it: socket.send(data, { binary:\n' +
      'isBinary }), text as a Buffer. In the deflate scenarios both servers compress every message\n' +
      '(threshold 0, zlib level 1, memLevel 8, context takeover; tools/bench/deflate-settings.ts).',
  );
  console.log('');
  console.log('Summary: medians (min–max) over the rounds');
  for (const line of summary(run.scenarioList, run.serverList, samples)) console.log(line);
  console.log('');
  for (const line of doneWhen(run.scenarioList, run.serverList, samples, warnings)) console.log(line);
  if (run.quick) console.log('  (a --quick run: a smoke test, too short and too small to judge the criteria by)');
}

async function main(): Promise<void> {
  // Its own options (--clients, --workers …): parsed there.
  if (process.argv.includes('--broadcast')) {
    await (await import('./broadcast.ts')).main(process.argv.slice(2).filter((arg) => arg !== '--broadcast'));
    return;
  }
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
      'cpu-prof': { type: 'string' },
    },
    strict: true,
  });
  if (options.micro) {
    await import('./micro.ts');
    return;
  }
  const impl = parseTree(options.impl);
  const quick = options.quick;
  const pick = <T extends { id: string }>(all: T[], filter: string | undefined, what: string): T[] => {
    if (filter === undefined) return all;
    const wanted = filter.split(',');
    const unknown = wanted.filter((id) => !all.some((item) => item.id === id));
    if (unknown.length > 0) throw new Error(`no ${what} ${unknown.join(', ')}: choose from ${all.map((item) => item.id).join(', ')}`);
    return all.filter((item) => wanted.includes(item.id));
  };
  const run: Run = {
    quick,
    rounds: Number(options.rounds ?? (quick ? 1 : 3)),
    timing: {
      durationMs: Number(options.duration ?? (quick ? 0.4 : 1)) * 1000,
      warmupMs: Number(options.warmup ?? (quick ? 0.2 : 0.5)) * 1000,
    },
    serverList: pick(servers(impl), options.servers, 'server'),
    scenarioList: pick(scenarios(quick), options.scenarios, 'scenario'),
    profileDir: options['cpu-prof'] && path.resolve(options['cpu-prof']),
  };

  console.log('WebSocket echo benchmark');
  console.log(`machine:  ${machine()}`);
  console.log(`command:  npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
  const longer = run.scenarioList
    .filter((scenario) => (scenario.minDurationMs ?? 0) > run.timing.durationMs)
    .map((scenario) => `${scenario.id} ${(scenario.minDurationMs ?? 0) / 1000} s`);
  console.log(
    `method:   ${run.rounds} round(s); a fresh server process per scenario, the load generator in another (same 2 cores);` +
      `\n          ${run.timing.warmupMs / 1000} s warm-up + ${run.timing.durationMs / 1000} s measured per traffic scenario` +
      `${longer.length > 0 ? ` (${longer.join(', ')})` : ''}; server order rotates every round`,
  );
  const started = Date.now();
  report(run, await measure(run, impl));
  console.log(`total time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
