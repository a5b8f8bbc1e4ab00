/**
 * Memory per idle connection: the reference server against `ws`, in one run.
 *
 *   npx tsx tools/bench/memory-idle.ts                          1,000 and 10,000 idle connections, 3 rounds
 *   npx tsx tools/bench/memory-idle.ts --heap-snapshot --detail  and what one connection holds, by class
 *   options: --connections N,N  --servers reference,ws-js  --impl chapters  --rounds N
 *            --keep (leave the snapshots in .tmp/memory, for Chrome's DevTools)
 *
 * Each server is compiled and started as `npm run bench` does (servers.ts), one fresh
 * process per count. This process opens the connections (the handshake, then nothing: no data, no
 * ping), so the server's side of each is all that is measured. Two figures per connection, from
 * /proc/<pid>/status of the server:
 *
 * - **RSS per connection**: (VmRSS with N open − VmRSS of the fresh listening server) ÷ N. It is
 *   what `npm run bench` reports, and it includes what the first connections cost once per process
 *   (the optimizing compiler's code paged in from the node binary, a young generation grown while
 *   the handshakes allocate), which weighs more at 1,000 than at 10,000;
 * - **marginal RSS**: the growth from N/2 to N connections ÷ N/2, opened in the same process: what
 *   one more connection costs once the server is warm.
 *
 * With `--heap-snapshot`, a pass of its own runs each server with `--heapsnapshot-signal=SIGUSR2`:
 * a snapshot is taken before the connections and one with all N open (a snapshot collects garbage
 * first, so it holds what is live). Their difference by class (memory-snapshot.ts), divided by N,
 * is what one connection holds on the JavaScript heap, object by object.
 */
import type net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseTree } from '../tree.ts';
import { openConnections, type Target } from './connect.ts';
import { formatGrowth, growthPerConnection, summariseSnapshot, totalBytes } from './memory-snapshot.ts';
import { checkFileLimit, sleep } from './loadgen.ts';
import { memoryBytes, openFileLimit } from './proc.ts';
import { median, spreadOf } from './report.ts';
import { compileServer, removeCompiledServers, servers, startServer, stopServer, type ServerSpec } from './servers.ts';

/** Time for the server to finish what the last handshakes started before RSS is read. */
const SETTLE_MS = 1500;

interface Measurement {
  readonly server: string;
  readonly connections: number;
  readonly rssKBPerConnection: number;
  readonly marginalKBPerConnection: number;
  readonly heapBytesPerConnection: number | null;
  readonly table: string | null;
}

async function main(): Promise<void> {
  const { values: options } = parseArgs({
    options: {
      connections: { type: 'string', default: '1000,10000' },
      servers: { type: 'string', default: 'reference,ws-js' },
      impl: { type: 'string', default: 'solutions' },
      rounds: { type: 'string', default: '3' },
      'heap-snapshot': { type: 'boolean', default: false },
      detail: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const counts = options.connections.split(',').map(Number);
  const rounds = Number(options.rounds);
  const wanted = options.servers.split(',');
  const tree = parseTree(options.impl);
  const list = servers(tree).filter((server) => wanted.includes(server.id));
  // This process holds the client sockets: it needs a file per connection too.
  checkFileLimit('the measuring process', openFileLimit(), Math.max(...counts));
  const compiled = new Map<string, string>();
  for (const server of list) compiled.set(server.id, await compileServer(server, tree));
  try {
    await measureAll(list, compiled, counts, rounds, options);
  } finally {
    removeCompiledServers();
  }
}

async function measureAll(
  list: readonly ServerSpec[],
  compiled: ReadonlyMap<string, string>,
  counts: readonly number[],
  rounds: number,
  options: { readonly 'heap-snapshot': boolean; readonly detail: boolean; readonly keep: boolean },
): Promise<void> {
  const snapshotDir = path.resolve('.tmp', 'memory');
  fs.mkdirSync(snapshotDir, { recursive: true });

  console.log(`memory per idle connection (${process.version}; VmRSS of the server process; kB = 1000 bytes)`);
  console.log(`command: npx tsx tools/bench/memory-idle.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  const results: Measurement[] = [];
  const snapshotted: Measurement[] = [];
  // A pass of its own for the snapshots: writing one takes seconds and leaves its own garbage, so
  // the RSS figures come from the rounds without them. Rounds alternate the servers, so a slow
  // moment of the machine hits them alike.
  const passes = [...(options['heap-snapshot'] ? ['snapshots'] : []), ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)];
  for (const pass of passes) {
    for (const server of list) {
      for (const connections of counts) {
        const snapshots = pass === 'snapshots' ? { dir: snapshotDir, detail: options.detail, keep: options.keep } : null;
        const result = await measure(server, compiled.get(server.id)!, connections, snapshots);
        (snapshots === null ? results : snapshotted).push(result);
        console.log(
          `  ${pass.padEnd(9)} ${server.label.padEnd(18)} ${connections.toLocaleString('en').padStart(7)} connections: ` +
            `${result.rssKBPerConnection.toFixed(1)} kB RSS each, marginal ${result.marginalKBPerConnection.toFixed(1)} kB` +
            (result.heapBytesPerConnection === null ? '' : `, heap ${(result.heapBytesPerConnection / 1000).toFixed(2)} kB`),
        );
      }
    }
  }
  console.log('\n| server | connections | kB RSS per connection | marginal kB | heap kB (snapshot) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const server of list) {
    for (const connections of counts) {
      const mine = results.filter((r) => r.server === server.label && r.connections === connections);
      const heap = snapshotted.find((r) => r.server === server.label && r.connections === connections)?.heapBytesPerConnection ?? null;
      console.log(
        `| ${server.label} | ${connections.toLocaleString('en')} | ${spread(mine.map((r) => r.rssKBPerConnection))} | ` +
          `${spread(mine.map((r) => r.marginalKBPerConnection))} | ${heap === null ? '–' : (heap / 1000).toFixed(2)} |`,
      );
    }
  }
  for (const result of snapshotted) {
    if (result.table === null) continue;
    console.log(`\n${result.server}, ${result.connections.toLocaleString('en')} connections: JavaScript heap per connection, by class\n`);
    console.log(result.table);
  }
}

/** `median (min–max)` of a few measurements, one decimal. */
function spread(values: readonly number[]): string {
  const show = (value: number): string => value.toFixed(1);
  return values.length === 1 ? show(values[0]!) : `${show(median(values))} (${spreadOf(values, show)})`;
}

async function measure(
  server: ServerSpec,
  compiled: string,
  connections: number,
  snapshots: { readonly dir: string; readonly detail: boolean; readonly keep: boolean } | null,
): Promise<Measurement> {
  const snapshotDir = snapshots?.dir ?? null;
  const flags = snapshotDir === null ? '' : ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshotDir}`;
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''}${flags}`.trim();
  const running = await startServer({ ...server, env: { ...server.env, NODE_OPTIONS: nodeOptions } }, compiled);
  const pid = running.child.pid!;
  const target: Target = { port: running.port, path: server.path, serverPid: pid };
  const sockets: net.Socket[] = [];
  try {
    await sleep(SETTLE_MS);
    const before = snapshotDir === null ? null : await takeSnapshot(pid, snapshotDir);
    const fresh = memoryBytes(pid, 'VmRSS');
    const half = Math.floor(connections / 2);
    sockets.push(...(await openConnections(target, half)));
    await sleep(SETTLE_MS);
    const atHalf = memoryBytes(pid, 'VmRSS');
    sockets.push(...(await openConnections(target, connections - half)));
    await sleep(SETTLE_MS);
    const atFull = memoryBytes(pid, 'VmRSS');
    const after = snapshotDir === null ? null : await takeSnapshot(pid, snapshotDir);
    let heap: number | null = null;
    let table: string | null = null;
    if (before !== null && after !== null) {
      const beforeSummary = summariseSnapshot(before, snapshots!.detail);
      const afterSummary = summariseSnapshot(after, snapshots!.detail);
      heap = (totalBytes(afterSummary) - totalBytes(beforeSummary)) / connections;
      table = formatGrowth(growthPerConnection(beforeSummary, afterSummary, connections));
      if (!snapshots!.keep) for (const file of [before, after]) fs.rmSync(file);
    }
    return {
      server: server.label,
      connections,
      rssKBPerConnection: (atFull - fresh) / connections / 1000,
      marginalKBPerConnection: (atFull - atHalf) / (connections - half) / 1000,
      heapBytesPerConnection: heap,
      table,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await stopServer(running);
  }
}

/** Signals the server to write a heap snapshot and waits until the file is complete. */
async function takeSnapshot(pid: number, dir: string): Promise<string> {
  const existing = new Set(fs.readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(200);
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !existing.has(name));
    if (file === undefined) continue;
    const full = path.join(dir, file);
    // The server writes the file from its main thread: it is whole once it ends the JSON object
    // and stops growing.
    const size = fs.statSync(full).size;
    await sleep(300);
    if (fs.statSync(full).size === size && endsWithJsonClose(full, size)) return full;
  }
  throw new Error(`process ${pid} wrote no heap snapshot within 120 s`);
}

function endsWithJsonClose(file: string, size: number): boolean {
  if (size < 2) return false;
  const handle = fs.openSync(file, 'r');
  try {
    const tail = Buffer.alloc(Math.min(16, size));
    fs.readSync(handle, tail, 0, tail.length, size - tail.length);
    return tail.toString('latin1').trimEnd().endsWith('}');
  } finally {
    fs.closeSync(handle);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
