/**
 * Chapter 09's measured bounds: the four misbehaving clients of its tests, measured on this machine
 * with chapter 09's reference and with its stand-in (the same server with chapter 09 still a
 * starter), printed as the table of chapters/09-backpressure/README.md.
 *
 *   npx tsx tools/bench/backpressure.ts [--rounds N]      (default 3 rounds, about 30 s)
 *
 * Each round runs every scenario in a fresh process per tree, the reference and the stand-in taking
 * turns; a figure is the median of the rounds, with the range when the rounds differ. The stand-in
 * tree is solutions/ with chapter 09's files replaced by their generated starters, as in the
 * fail-first proof of `npm test`.
 *
 * A measuring process (`--measure <tree>`) prints one JSON line of figures and exits.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { starterFor } from '../starters.ts';
import { importWithTree, root } from '../tree.ts';
import { clientFrame as wireFrame, upgradeRequest } from '../wire/index.ts';
import { peakUntilStill, settleGarbage, slowApplication } from './pressure.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const here = fileURLToPath(import.meta.url);
const CHAPTER = '09-backpressure';

/** What one process measures, every figure in bytes, milliseconds or counts. */
interface Figures {
  /** 1. A flood of 4 MiB into an application that takes 5 ms per 64 KiB message. */
  readonly peakPending: number;
  readonly otherEchoMs: number;
  /** 2. 16 MiB to the echo endpoint from a client that reads nothing until the flow stops. */
  readonly peakEchoQueue: number;
  readonly allEchoed: boolean;
  /** 3. 32 MiB broadcast in 64 KiB messages to a reader and a non-reader. */
  readonly closedWith: number | null;
  readonly peakSlowQueue: number;
  readonly memoryGrowth: number;
  readonly readerGotAll: boolean;
  /** 4. 10 MiB in 16 KiB messages to a non-reader, policy 'skip'. */
  readonly skipPeakQueue: number;
  readonly skipQueued: number;
  readonly skipSent: number;
}

// ─── a raw client ────────────────────────────────────────────────────────────────────────────────

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** A masked client frame (RFC 6455 §5.2, §5.3) with the fixed key 37 fa 21 3d, from the toolkit. */
function clientFrame(opcode: number, payload: Uint8Array): Uint8Array {
  return wireFrame({ opcode, payload, mask: KEY });
}

interface Client {
  readonly socket: net.Socket;
  received: number;
  readonly chunks: Buffer[];
}

const sockets: net.Socket[] = [];

/** Connects, upgrades on `path`, resolves once the 101 is read; counts the bytes after it. */
function connect(port: number, target: string, keep = false): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    const client: Client = { socket, received: 0, chunks: [] };
    let head: Buffer | null = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      if (head === null) {
        client.received += chunk.length;
        if (keep) client.chunks.push(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(`no 101 on ${target}`));
      const rest = head.subarray(end + 4);
      head = null;
      if (rest.length > 0) onData(rest);
      resolve(client);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.write(upgradeRequest({ path: target }));
  });
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}


// ─── the scenarios, as chapter 09's tests run them ───────────────────────────────────────────────

type ServerModule = typeof import('../../server/wiring/server.ts');
type Connection = import('../../server/wiring/server.ts').SocketConnection;

async function measure(tree: string): Promise<Figures> {
  const { startServer, echoApp } = await importWithTree<ServerModule>(tree, 'server/wiring/server.ts');
  const frame64k = clientFrame(0x2, new Uint8Array(64 * KiB).fill(0x61));

  // 1. maxPendingBytes 256 KiB; the application holds each 64 KiB message for 5 ms.
  const slowApp = slowApplication(5);
  const paths = new Map<Connection, string>();
  const first = await startServer({
    maxPendingBytes: 256 * KiB,
    app: (connection, event) => {
      if (event.type === 'open') paths.set(connection, event.path);
      if (paths.get(connection) !== '/slow-app') return echoApp(connection, event);
      return slowApp.handle(event);
    },
  });
  const flooder = await connect(first.port, '/slow-app');
  for (let i = 0; i < 64; i++) flooder.socket.write(frame64k);
  const other = await connect(first.port, '/echo');
  const started = performance.now();
  other.socket.write(clientFrame(0x1, new TextEncoder().encode('still there?')));
  await waitFor(() => other.received >= 14, 5000, 'the echo on another connection');
  const otherEchoMs = performance.now() - started;
  await waitFor(() => slowApp.done() === 64, 20_000, 'the application to finish the flood');
  for (const socket of sockets.splice(0)) socket.destroy();
  await first.close();

  // 2. An echo client that writes 16 MiB and reads nothing until the flow stops.
  const opened: Connection[] = [];
  const second = await startServer({
    app: (connection, event) => {
      if (event.type === 'open') opened.push(connection);
      return echoApp(connection, event);
    },
  });
  const reader = await connect(second.port, '/echo');
  reader.socket.pause();
  const echoing = opened[0]!;
  for (let i = 0; i < 256; i++) reader.socket.write(frame64k);
  const peakEchoQueue = await peakUntilStill(() => echoing.bufferedAmount, () => reader.socket.writableLength);
  reader.socket.resume();
  const expectedEchoes = 256 * (64 * KiB + 10);
  const allEchoed = await waitFor(() => reader.received >= expectedEchoes, 20_000, 'every echo').then(
    () => reader.received === expectedEchoes,
    () => false,
  );
  for (const socket of sockets.splice(0)) socket.destroy();
  await second.close();

  // 3. A broadcast of 32 MiB in 64 KiB messages; maxBufferedAmount 1 MiB; one member never reads.
  const room = new Map<string, Connection>();
  let closedWith: number | null = null;
  const third = await startServer({
    maxBufferedAmount: MiB,
    closeTimeout: 200,
    app: (connection, event) => {
      if (event.type === 'open') room.set(event.path, connection);
      if (event.type === 'closing' && connection === room.get('/slow')) closedWith ??= event.code;
    },
  });
  const slow = await connect(third.port, '/slow');
  slow.socket.pause();
  const fast = await connect(third.port, '/fast');
  const slowConnection = room.get('/slow')!;
  const fastConnection = room.get('/fast')!;
  await settleGarbage();
  const baseline = process.memoryUsage().arrayBuffers;
  let peakSlowQueue = 0;
  let memoryGrowth = 0;
  const message = 64 * KiB;
  for (let sent = 0, i = 0; sent < 32 * MiB; sent += message, i++) {
    const payload = new Uint8Array(message).fill(i & 0xff);
    for (const connection of room.values()) connection.send(payload);
    peakSlowQueue = Math.max(peakSlowQueue, slowConnection.bufferedAmount);
    while (fastConnection.bufferedAmount > 512 * KiB) await new Promise((resolve) => setImmediate(resolve));
    if (i % 128 === 0) {
      await settleGarbage();
      memoryGrowth = Math.max(memoryGrowth, process.memoryUsage().arrayBuffers - baseline);
    }
  }
  const expectedFast = (32 * MiB / message) * (message + 10);
  const readerGotAll = await waitFor(() => fast.received >= expectedFast, 20_000, 'the reader to get all 32 MiB').then(
    () => fast.received === expectedFast,
    () => false,
  );
  for (const socket of sockets.splice(0)) socket.destroy();
  await third.close();

  // 4. Policy 'skip', maxBufferedAmount 256 KiB: 640 messages of 16 KiB to a member that never reads.
  let skipping: Connection | null = null;
  const fourth = await startServer({
    maxBufferedAmount: 256 * KiB,
    slowConsumer: 'skip',
    app: (connection, event) => {
      if (event.type === 'open') skipping = connection;
    },
  });
  const idle = await connect(fourth.port, '/slow');
  idle.socket.pause();
  await waitFor(() => skipping !== null, 2000, 'the connection to open');
  let skipQueued = 0;
  let skipPeakQueue = 0;
  const skipSent = 640;
  for (let i = 0; i < skipSent; i++) {
    if (skipping!.send(new Uint8Array(16 * KiB).fill(i & 0xff))) skipQueued++;
    skipPeakQueue = Math.max(skipPeakQueue, skipping!.bufferedAmount);
    if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const socket of sockets.splice(0)) socket.destroy();
  await fourth.close();

  return {
    peakPending: slowApp.peakPending(),
    otherEchoMs,
    peakEchoQueue,
    allEchoed,
    closedWith,
    peakSlowQueue,
    memoryGrowth,
    readerGotAll,
    skipPeakQueue,
    skipQueued,
    skipSent,
  };
}

// ─── the table ───────────────────────────────────────────────────────────────────────────────────

/**
 * solutions/ with chapter 09's files replaced by their starters. A `core` link beside it makes the
 * chapters' `../../core/` imports find the one core, as in the proof's scratch trees.
 */
function standInTree(): string {
  const dir = path.join(root, '.tmp', 'bench-backpressure', 'stand-in');
  fs.rmSync(dir, { recursive: true, force: true });
  const core = path.join(path.dirname(dir), 'core');
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  if (!fs.existsSync(core)) fs.symlinkSync(path.join(root, 'core'), core, 'dir');
  fs.cpSync(path.join(root, 'solutions'), dir, { recursive: true });
  const chapterDir = path.join(root, 'solutions', CHAPTER);
  for (const name of fs.readdirSync(chapterDir)) {
    if (!name.endsWith('.ts')) continue;
    const source = fs.readFileSync(path.join(chapterDir, name), 'utf8');
    fs.writeFileSync(path.join(dir, CHAPTER, name), starterFor(`chapters/${CHAPTER}/${name}`, source));
  }
  return dir;
}

function runMeasure(tree: string): Figures {
  const result = spawnSync(process.execPath, ['--import', 'tsx', here, '--measure', tree], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * MiB,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Figures;
  } catch {
    throw new Error(`measuring ${tree} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The median of `values` in `unit`, with the range when the rounds differ. */
function figure(values: number[], scale: number, unit: string, digits = 0): string {
  const show = (value: number) => (value / scale).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const low = Math.min(...values);
  const high = Math.max(...values);
  const middle = `${show(median(values))}${unit === '' ? '' : ` ${unit}`}`;
  return show(low) === show(high) ? middle : `${middle} (${show(low)}–${show(high)})`;
}

const every = (values: boolean[]): string => (values.every(Boolean) ? 'yes' : values.some(Boolean) ? 'not every round' : 'no');

function table(reference: Figures[], standIn: Figures[]): string {
  const pick = <K extends keyof Figures>(rounds: Figures[], key: K) => rounds.map((round) => round[key]);
  const nums = (rounds: Figures[], key: keyof Figures) => pick(rounds, key) as number[];
  const codes = (rounds: Figures[]) => {
    const seen = [...new Set(pick(rounds, 'closedWith'))];
    return seen.map((code) => (code === null ? 'never closed' : `closed with ${code}`)).join(' / ');
  };
  const rows = [
    [
      'client floods 4 MiB; the application takes 5 ms per 64 KiB message',
      '`maxPendingBytes` 256 KiB',
      `peak pending ${figure(nums(reference, 'peakPending'), KiB, 'KiB')}; another client's echo in ${figure(nums(reference, 'otherEchoMs'), 1, 'ms', 1)}`,
      `peak pending ${figure(nums(standIn, 'peakPending'), KiB, 'KiB')}; echo in ${figure(nums(standIn, 'otherEchoMs'), 1, 'ms', 1)}`,
    ],
    [
      'client sends 16 MiB to the echo endpoint and reads nothing until the flow stops',
      '`pauseReadingAbove` 256 KiB',
      `peak \`bufferedAmount\` ${figure(nums(reference, 'peakEchoQueue'), KiB, 'KiB')}; all 16 MiB echoed once it reads: ${every(pick(reference, 'allEchoed'))}`,
      `peak \`bufferedAmount\` ${figure(nums(standIn, 'peakEchoQueue'), KiB, 'KiB')}`,
    ],
    [
      '32 MiB broadcast in 64 KiB messages to a reader and a non-reader',
      '`maxBufferedAmount` 1 MiB',
      `non-reader ${codes(reference)}, peak queue ${figure(nums(reference, 'peakSlowQueue'), KiB, 'KiB')}; buffer memory after GC +${figure(nums(reference, 'memoryGrowth'), MiB, 'MiB', 1)}; the reader gets all 32 MiB: ${every(pick(reference, 'readerGotAll'))}`,
      `non-reader ${codes(standIn)}, peak queue ${figure(nums(standIn, 'peakSlowQueue'), MiB, 'MiB')}; buffer memory +${figure(nums(standIn, 'memoryGrowth'), MiB, 'MiB')}`,
    ],
    [
      "10 MiB to a non-reader, policy `'skip'`",
      '`maxBufferedAmount` 256 KiB',
      `queue peak ${figure(nums(reference, 'skipPeakQueue'), KiB, 'KiB')}; ${figure(nums(reference, 'skipQueued'), 1, '')} of ${reference[0]!.skipSent} messages queued`,
      `queue peak ${figure(nums(standIn, 'skipPeakQueue'), KiB, 'KiB')}; ${figure(nums(standIn, 'skipQueued'), 1, '')} of ${standIn[0]!.skipSent} queued`,
    ],
  ];
  return [
    '| test | limit | measured with chapter 09 | with the stand-in |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') {
    const figures = await measure(args[1]!);
    console.log(JSON.stringify(figures));
    process.exit(0);
  }
  const at = args.indexOf('--rounds');
  const rounds = at < 0 ? 3 : Number(args[at + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number ≥ 1');
  const standIn = standInTree();
  const reference: Figures[] = [];
  const standIns: Figures[] = [];
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`round ${round} of ${rounds}: reference … `);
    reference.push(runMeasure(path.join(root, 'solutions')));
    process.stderr.write('stand-in …\n');
    standIns.push(runMeasure(standIn));
  }
  console.log(`Chapter 09's bounds, Node ${process.versions.node}, loopback, median of ${rounds} round(s) (range):\n`);
  console.log(table(reference, standIns));
}

await main();
