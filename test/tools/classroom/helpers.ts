/**
 * What the classroom tests share: a room server on loopback, attendees as real runners in scratch
 * copies of the repository (the runner's own three tiny chapters, so a run takes a second, not the
 * real chapters' minutes), the dashboard in Chromium, and the room's JSON.
 *
 * An attendee's tree is "solved up to chapter N": the reference of the chapters before N copied over
 * the starters, as a learner who got that far would have it. Every process and page opened here is
 * closed by the caller's `afterAll`, each wait is bounded and says what it waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listChapters } from '../../../tools/runner/chapters.ts';
import { makeScratchCopy, removeScratchCopy, repoRoot } from '../../../tools/runner/scratch.ts';
import { startRoom, type RoomOptions, type RunningRoom } from '../../../tools/classroom/room-server.ts';
import type { RoomView } from '../../../tools/classroom/room.ts';

const CHROMIUM = '/usr/bin/chromium';
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');

/** The second chapter of the scratch copies, with `triple` wrong: 1 of its 3 tests fails. */
export const HALF_BETA = `/** Twice n. */\nexport function double(n: number): number {\n  return n * 2;\n}\n\n/** Three times n. */\nexport function triple(n: number): number {\n  return n * 2;\n}\n`;

/** Polls `probe` until it returns a value other than undefined; throws with `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

/** A temporary folder for a room's state file. */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `classroom-${label}-`));
}

/** A room on loopback whose columns are the chapters of `tree` (a scratch copy's three). */
export function openRoom(tree: string, stateFile: string, options: Partial<RoomOptions> = {}): Promise<RunningRoom> {
  const chapters = listChapters(tree).map((chapter) => ({ number: chapter.number, title: chapter.title }));
  return startRoom({ port: 0, host: '127.0.0.1', stateFile, chapters, stuckAfterMs: 60_000, ...options });
}

/** The environment of a runner started as a learner starts it: none of this test run's variables. */
function learnerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'WORKBOOK_IMPL', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST', 'NODE_ENV']) delete env[name];
  return env;
}

/** `npm start -- args` in a tree, its output gathered; `lines` counts what it printed so far. */
export class Runner {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(
    readonly tree: string,
    readonly args: readonly string[],
  ) {
    this.child = spawn(tsx, ['tools/runner/main.ts', ...args], { cwd: tree, env: learnerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** How often `text` occurs in the output. */
  count(text: string): number {
    return this.stdout.split(text).length - 1;
  }

  /** Waits until `text` occurs `times` times; resolves with the moment it was seen. */
  async waitFor(text: string, times = 1, timeoutMs = 60_000): Promise<number> {
    await until(`${times}× "${text}" from npm start -- ${this.args.join(' ')}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`, () => (this.count(text) >= times ? true : undefined), timeoutMs);
    return performance.now();
  }

  /** Ends it as Ctrl-C does and waits for it to go (killed after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs `npm start -- args` to its end (bounded), with its output. */
export async function runOnce(tree: string, args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const runner = new Runner(tree, args);
  const timer = setTimeout(() => runner.child.kill('SIGKILL'), timeoutMs);
  const code = await runner.exited;
  clearTimeout(timer);
  if (code === null) throw new Error(`npm start -- ${args.join(' ')} did not end in ${timeoutMs} ms\n${runner.stdout}\n${runner.stderr}`);
  return { code, stdout: runner.stdout, stderr: runner.stderr, ms: performance.now() - started };
}

/** A scratch copy solved up to chapter `upTo` (the reference of every chapter before it). */
export function attendeeTree(upTo: number): string {
  const dir = makeScratchCopy({ fake: true });
  for (const chapter of listChapters(dir)) {
    if (Number(chapter.number) >= upTo) continue;
    fs.cpSync(path.join(dir, 'solutions', chapter.slug), path.join(dir, 'chapters', chapter.slug), { recursive: true });
  }
  return dir;
}

/** Puts chapter `number`'s reference into a tree, as a learner's save of the finished file. */
export function solve(tree: string, number: string): void {
  const chapter = listChapters(tree).find((candidate) => candidate.number === number)!;
  fs.cpSync(path.join(tree, 'solutions', chapter.slug), path.join(tree, 'chapters', chapter.slug), { recursive: true });
}

export { removeScratchCopy };

/** Chromium as the teacher's browser; fails with the package to install when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the dashboard tests need Debian's Chromium (apt-get install -y chromium)`);
  // The resolver rule keeps Chromium's background lookups of outside hosts off the network.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'] });
}

/** The teacher's dashboard of `room`, open and live. */
export async function openDashboard(browser: Browser, room: RunningRoom): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${room.port}/#token=${room.teacherToken}`);
  await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
  return page;
}

/** The grid as the page shows it: per attendee name, the text of each chapter's cell. */
export function readGrid(page: Page): Promise<Record<string, Record<string, string>>> {
  return page.$$eval('#grid tbody tr', (rows) => {
    const grid: Record<string, Record<string, string>> = {};
    for (const row of rows) {
      const name = row.querySelector('td.name')?.firstChild?.textContent ?? '';
      const cells: Record<string, string> = {};
      for (const cell of Array.from(row.querySelectorAll<HTMLElement>('td[data-chapter]'))) cells[cell.dataset.chapter!] = cell.textContent ?? '';
      grid[name] = cells;
    }
    return grid;
  });
}

/** GET /api/room with `token` (none: no Authorization field). */
export async function fetchRoom(room: RunningRoom, token?: string): Promise<{ status: number; body: string; view?: RoomView }> {
  const response = await fetch(`http://127.0.0.1:${room.port}/api/room`, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  const body = await response.text();
  return { status: response.status, body, view: response.status === 200 ? (JSON.parse(body) as RoomView) : undefined };
}
