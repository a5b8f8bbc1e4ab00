/**
 * What chapter 15's process tests share: `npm run serve` started as a real process (one, or a
 * node:cluster primary with its workers), its printed lines, and chat clients (the `ws` package)
 * that record every message they get.
 *
 * The server runs as `node --import tsx tools/serve.ts …`, so the process a test signals is the
 * server itself (the primary under `--workers`), not a wrapper in front of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';

const root = path.resolve(import.meta.dirname, '../..');
/** The tree under test (vitest's WORKBOOK_IMPL), passed on as `--impl`. */
const tree = path.resolve(root, process.env.WORKBOOK_IMPL ?? 'solutions');
/** How long a line, a message or an exit may take on a loaded 2-core machine, in ms. */
export const WAIT_MS = 20_000;

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly lines: string[];
  /** Resolves once `count` lines match `pattern` (the last of them), or fails quoting the output. */
  waitFor(pattern: RegExp, what: string, count?: number): Promise<string>;
  /** The exit code (`null` with a signal). */
  readonly exited: Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Kills every server process started here and still running (and, with its group, its workers). */
export function killServers(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }
  started.clear();
}

/** Resolves when `check` returns a value other than undefined, polled every 20 ms; else fails saying `what`. */
export async function until<T>(check: () => T | undefined, what: string, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What `npm run serve` prints when a chapter it needs is still a starter. */
const CANNOT_START = /not written yet: the server cannot/;

/** Runs `npm run serve -- --port 0 …args` and resolves once it printed its listening line. */
export async function startServe(args: readonly string[]): Promise<ServeProcess> {
  const serve = spawnServe(args);
  const listening = await serve.waitFor(/^listening on http:\/\/127\.0\.0\.1:\d+/, 'the listening line');
  return { ...serve, port: Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]) };
}

/** Runs `npm run serve -- --port 0 …args` (a later `--port` wins) without waiting for anything; `port` is 0. */
export function spawnServe(args: readonly string[]): ServeProcess {
  const all = ['--port', '0', '--impl', tree, ...args];
  // Its own process group, so killServers() takes the workers with it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/serve.ts', ...all], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  const lines: string[] = [];
  for (const output of [child.stdout!, child.stderr!]) readline.createInterface({ input: output }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // 'close' comes after the last line of output, 'exit' may come before it.
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, what: string, count = 1): Promise<string> => {
    const found = (): string | undefined => lines.filter((line) => pattern.test(line))[count - 1];
    const printed = (): string => `npm run serve -- ${all.join(' ')} printed:\n${lines.join('\n') || '(nothing)'}`;
    // A server that cannot start (an earlier chapter still a starter) fails the wait at once,
    // with what it printed, instead of after the whole wait.
    const cannotStart = until(
      () => (lines.some((line) => CANNOT_START.test(line)) || child.exitCode !== null ? true : undefined),
      'a sign the server cannot start',
      Number.POSITIVE_INFINITY,
    ).then(async () => {
      if (child.exitCode !== null) await closed;
      const line = found();
      if (line !== undefined) return line;
      throw new Error(`${what} never came: the server could not start. ${printed()}`);
    });
    return Promise.race([until(found, `${what} (${count} line(s) matching ${pattern}); ${printed()}`), cannotStart]);
  };
  return { child, port: 0, lines, waitFor, exited };
}

/** A chat client on `/chat`: every message it got, and its close code once closed. */
export interface ChatClient {
  readonly name: string;
  readonly socket: WebSocket;
  readonly received: string[];
  /** The close code, `undefined` while open. */
  closeCode: number | undefined;
}

/** Opens `ws://127.0.0.1:PORT/chat` as `name` and resolves once it is open. */
export async function openChat(port: number, name: string): Promise<ChatClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/chat`, ['chat']);
  const client: ChatClient = { name, socket, received: [], closeCode: undefined };
  socket.on('message', (data) => client.received.push(String(data)));
  socket.on('close', (code) => (client.closeCode = code));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return client;
}

/** Resolves once every client in `clients` received every message in `texts`. */
export function untilReceived(clients: readonly ChatClient[], texts: readonly string[]): Promise<true> {
  return until(
    () => (clients.every((client) => texts.every((text) => client.received.includes(text))) ? true : undefined),
    `${texts.length} message(s) to reach ${clients.map((client) => client.name).join(', ')}; they got: ${clients
      .map((client) => `${client.name}: [${client.received.join(', ')}]`)
      .join('; ')}`,
  );
}

/** The room's status as `/room` reports it on connecting: up/down/off, the count and the pid. */
export interface RoomReport {
  readonly crossProcess: 'up' | 'down' | 'off';
  readonly present: number;
  readonly pid: number;
}

/** Opens `/room`, reads its first report and closes. */
export async function roomReport(port: number): Promise<RoomReport> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/room`);
  try {
    return await new Promise<RoomReport>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data)) as RoomReport));
      socket.once('error', reject);
    });
  } finally {
    socket.close();
  }
}

/** The workers' pids, read from `/room` reports until `count` different ones were seen (bounded). */
export async function workerPids(port: number, count: number): Promise<number[]> {
  const pids = new Set<number>();
  for (let tries = 0; pids.size < count && tries < 40; tries++) pids.add((await roomReport(port)).pid);
  if (pids.size < count) throw new Error(`40 connections reached ${pids.size} worker(s) only (${[...pids].join(', ')}), expected ${count}`);
  return [...pids];
}
