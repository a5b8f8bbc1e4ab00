/**
 * Classroom mode end to end: a room server on loopback, three attendees whose runners (`npm start --
 * watch`, as a learner leaves it running) report to it from scratch trees solved to chapters 01, 02
 * and 03, and the teacher's dashboard in Chromium.
 *
 * The steps build on each other, in order: the grid after the first runs, the grid within 2 s of each
 * save, who is stuck and which tests fail for many, broadcasts (to everyone and to one chapter's
 * group) in watch mode, the JSON view and its token, a restart of the room server, and broadcasts in
 * plain output. The 2 s are measured from the moment the runner prints the run's report (it sends the
 * results right after): how long the tests themselves take on a loaded machine is the runner's
 * business, not the room's.
 */
import path from 'node:path';
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRoom } from '../../../tools/classroom/room-server.ts';
import type { RoomView } from '../../../tools/classroom/room.ts';
import { attendeeTree, fetchRoom, HALF_BETA, launchBrowser, openDashboard, openRoom, readGrid, removeScratchCopy, runOnce, Runner, solve, tempDir, until } from './helpers.ts';

/** The dashboard must show a report this soon after the runner printed it. */
const GRID_WITHIN_MS = 2000;
const STUCK_AFTER_MS = 1000;

interface Attendee {
  readonly name: string;
  readonly tree: string;
  watch?: Runner;
}

let room: RunningRoom;
let browser: Browser;
let page: Page;
let stateDir: string;
let attendees: Attendee[] = [];
const [ada, brendan, grace] = ['Ada', 'Brendan', 'Grace'];

const byName = (name: string): Attendee => attendees.find((attendee) => attendee.name === name)!;
const stateFile = (): string => path.join(stateDir, 'room.json');
/** The rows come in the order the runners first said hello (they start together: any order). */
let joinOrder = (_name: string): number => 0;
/** Names as the common-failure view lists them: "(A, B)", in join order. */
const inJoinOrder = (...names: string[]): string => `(${names.sort((x, y) => joinOrder(x) - joinOrder(y)).join(', ')})`;

beforeAll(async () => {
  stateDir = tempDir('room');
  // Ada starts at chapter 01; Brendan has 01 and half of 02; Grace has 01 and 02.
  attendees = [
    { name: ada, tree: attendeeTree(1) },
    { name: brendan, tree: attendeeTree(2) },
    { name: grace, tree: attendeeTree(3) },
  ];
  fs.writeFileSync(path.join(byName(brendan).tree, 'chapters/02-beta/beta.ts'), HALF_BETA);
  room = await openRoom(attendees[0]!.tree, stateFile(), { stuckAfterMs: STUCK_AFTER_MS });
  // `join` only writes the tree's classroom file; the runner says hello when it starts.
  const joins = await Promise.all(attendees.map((attendee) => runOnce(attendee.tree, ['join', `ws://127.0.0.1:${room.port}`, '--name', attendee.name, '--token', room.joinToken])));
  joins.forEach((joined, i) => expect(joined.stdout, joined.stderr).toContain(`Joined the classroom at ws://127.0.0.1:${room.port} as "${attendees[i]!.name}"`));
  browser = await launchBrowser();
  page = await openDashboard(browser, room);
  for (const attendee of attendees) attendee.watch = new Runner(attendee.tree, ['watch']);
}, 90_000);

afterAll(async () => {
  await Promise.all(attendees.map((attendee) => attendee.watch?.stop()));
  await browser?.close();
  await room?.close();
  for (const attendee of attendees) removeScratchCopy(attendee.tree);
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 30_000);

/** Waits until the page's grid equals `expected`; resolves with how long that took. */
async function gridBecomes(expected: Record<string, Record<string, string>>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let shown: unknown;
  try {
    await until('the grid', async () => {
      shown = await readGrid(page);
      return isDeepStrictEqual(shown, expected) ? true : undefined;
    }, timeoutMs);
  } catch {
    expect(shown, `the grid within ${timeoutMs} ms`).toEqual(expected);
  }
  return performance.now() - started;
}

/** The stuck list as the page shows it: name → "chapter: test". */
function readStuck(): Promise<Record<string, string>> {
  return page.$$eval('#stuck li', (items) =>
    Object.fromEntries(items.map((item) => [item.querySelector('strong')!.textContent, `${/chapter (\d\d)/.exec(item.textContent ?? '')?.[1]}: ${item.querySelector('code')!.textContent}`])),
  );
}

/** The common-failure list as the page shows it: "chapter: test" → the names. */
function readCommon(): Promise<Record<string, string>> {
  return page.$$eval('#common li', (items) => Object.fromEntries(items.map((item) => [`${item.dataset.chapter}: ${item.querySelector('code')!.textContent}`, item.querySelector('.who')!.textContent!.trim()])));
}

async function listBecomes(read: () => Promise<Record<string, string>>, expected: Record<string, string>, what: string): Promise<void> {
  let shown: Record<string, string> = {};
  await until(what, async () => {
    shown = await read();
    return isDeepStrictEqual(shown, expected) ? true : undefined;
  }, 8000).catch(() => expect(shown, what).toEqual(expected));
}

/** Sends a broadcast from the dashboard's form, as the teacher does. */
async function broadcast(text: string, chapter: string): Promise<void> {
  await page.fill('#broadcast-text', text);
  await page.selectOption('#broadcast-chapter', chapter);
  await page.click('#broadcast button[type="submit"]');
}

describe('the grid, and what fails for many', () => {
  it('shows each attendee per chapter after the first runs: passed, failing n of m, not started', async () => {
    // Three runners start their first runs at once: on a loaded machine that is the slow part.
    await Promise.all(attendees.map((attendee) => attendee.watch!.waitFor('keys: q quit · h next hint · r rerun', 1, 120_000)));
    await gridBecomes(
      {
        [ada]: { '01': '·', '02': '·', '03': '·' },
        [brendan]: { '01': '✓', '02': '✗ 1/3', '03': '·' },
        [grace]: { '01': '✓', '02': '✓', '03': '·' },
      },
      15_000,
    );
    const names = (await fetchRoom(room, room.teacherToken)).view!.attendees.map((attendee) => attendee.name);
    joinOrder = (name) => names.indexOf(name);
    // Each is on a chapter of their own: no failure is shared yet.
    await listBecomes(readCommon, {}, 'the common-failure list with one person per chapter');
  }, 150_000);

  it("follows Ada's save within 2 s, and lists the failure she now shares with Brendan", async () => {
    const a = byName(ada);
    fs.writeFileSync(path.join(a.tree, 'chapters/02-beta/beta.ts'), HALF_BETA);
    solve(a.tree, '01');
    await a.watch!.waitFor('Next: chapter 02 · Beta: multiplying');
    const afterAda = {
      [ada]: { '01': '✓', '02': '✗ 1/3', '03': '·' },
      [brendan]: { '01': '✓', '02': '✗ 1/3', '03': '·' },
      [grace]: { '01': '✓', '02': '✓', '03': '·' },
    };
    expect(await gridBecomes(afterAda, GRID_WITHIN_MS)).toBeLessThan(GRID_WITHIN_MS);
    await listBecomes(readCommon, { '02: triple › triples 2': inJoinOrder(ada, brendan) }, 'the common-failure list');
  }, 90_000);

  it("follows Brendan's and Grace's saves within 2 s each, and the failures they share", async () => {
    const b = byName(brendan);
    solve(b.tree, '02');
    await b.watch!.waitFor('Next: chapter 03 · Gamma: greeting');
    const afterBrendan = {
      [ada]: { '01': '✓', '02': '✗ 1/3', '03': '·' },
      [brendan]: { '01': '✓', '02': '✓', '03': '·' },
      [grace]: { '01': '✓', '02': '✓', '03': '·' },
    };
    expect(await gridBecomes(afterBrendan, GRID_WITHIN_MS)).toBeLessThan(GRID_WITHIN_MS);
    // Brendan now shares chapter 03's failure with Grace, until she solves it.
    await listBecomes(readCommon, { '03: greets': inJoinOrder(brendan, grace) }, 'the common-failure list once Brendan moved on');

    const g = byName(grace);
    solve(g.tree, '03');
    await g.watch!.waitFor('Every chapter passes.');
    expect(await gridBecomes({ ...afterBrendan, [grace]: { '01': '✓', '02': '✓', '03': '✓' } }, GRID_WITHIN_MS)).toBeLessThan(GRID_WITHIN_MS);
    await listBecomes(readCommon, {}, 'the common-failure list once Grace is done');
  }, 120_000);
});

describe('who is stuck', () => {
  it('marks those on the same failing test past stuckAfter, and not those who pass', async () => {
    // Ada and Brendan have been on their current failing test since their last save; Grace is done.
    await listBecomes(readStuck, { [ada]: '02: triple › triples 2', [brendan]: '03: greets' }, 'the stuck list');
    const marked = await page.$$eval('#grid tbody tr', (rows) => rows.filter((row) => row.querySelector('.stuck-mark')).map((row) => row.querySelector('td.name')!.firstChild!.textContent));
    expect(marked.sort()).toEqual([ada, brendan]);
  }, 20_000);
});

describe('broadcasts in watch mode', () => {
  it('one to everyone reaches every runner', async () => {
    await broadcast('Break in five minutes', '');
    await Promise.all(attendees.map((attendee) => attendee.watch!.waitFor('📣 From the teacher: Break in five minutes', 1, 5000)));
  }, 20_000);

  it("one to a chapter's group reaches that group only", async () => {
    await broadcast('Check the masking key order', '02');
    await byName(ada).watch!.waitFor('📣 From the teacher (chapter 02 group): Check the masking key order', 1, 5000);
    // Sent in the same turn as Ada's: a message on its way to the others would be here by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const name of [brendan, grace]) expect(byName(name).watch!.stdout).not.toContain('Check the masking key order');
  }, 20_000);
});

describe('GET /api/room', () => {
  it('returns the room as JSON with the teacher token, and 401 without it', async () => {
    const { status, view } = await fetchRoom(room, room.teacherToken);
    expect(status).toBe(200);
    expect(view!.attendees.map((attendee) => attendee.name).sort()).toEqual([ada, brendan, grace]);
    expect(view!.attendees.find((attendee) => attendee.name === brendan)!.chapters['03']).toMatchObject({ state: 'not-started', passed: 0, total: 1, failing: ['greets'] });
    expect(view!.broadcasts.map((entry) => entry.text)).toEqual(['Break in five minutes', 'Check the masking key order']);
    for (const token of [undefined, 'wrong', room.joinToken]) {
      const refused = await fetchRoom(room, token);
      expect(refused.status, `token ${token}`).toBe(401);
      expect(refused.body).not.toContain(ada);
    }
    const byQuery = await fetch(`http://127.0.0.1:${room.port}/api/room?token=${room.teacherToken}`, { signal: AbortSignal.timeout(5000) });
    expect(byQuery.status).toBe(200);
    await byQuery.body?.cancel();
  }, 20_000);
});

describe('a restart of the room server', () => {
  it('loses nothing, and the attendees come back by themselves', async () => {
    const before = (await fetchRoom(room, room.teacherToken)).view!;
    const { port, teacherToken, joinToken } = room;
    await room.close();
    room = await openRoom(attendees[0]!.tree, stateFile(), { port, stuckAfterMs: STUCK_AFTER_MS });
    expect([room.teacherToken, room.joinToken]).toEqual([teacherToken, joinToken]);
    // The watching runners reconnect by themselves.
    const after = await until('three attendees back online', async () => {
      const view = (await fetchRoom(room, teacherToken)).view!;
      return view.attendees.filter((attendee) => attendee.online).length === 3 ? view : undefined;
    }, 15_000);
    const kept = (view: RoomView): unknown => ({
      attendees: view.attendees.map(({ id, name, chapters, current, serverUrl }) => ({ id, name, chapters, current, serverUrl })),
      broadcasts: view.broadcasts,
      common: view.common,
    });
    expect(kept(after)).toEqual(kept(before));
    // The open dashboard reconnects too and shows the same grid.
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
    const grid = await readGrid(page);
    expect(grid[grace]).toEqual({ '01': '✓', '02': '✓', '03': '✓' });
    expect(grid[ada]).toEqual({ '01': '✓', '02': '✗ 1/3', '03': '·' });
  }, 40_000);
});

describe('broadcasts in plain output', () => {
  it('reach `npm start -- status` (missed ones come with the welcome), each group its own', async () => {
    await Promise.all(attendees.map((attendee) => attendee.watch?.stop()));
    await broadcast('Slides are online', '');
    await broadcast('Chapter 03 people: read §5.5.1', '03');
    await until('two more broadcasts kept', async () => ((await fetchRoom(room, room.teacherToken)).view!.broadcasts.length === 4 ? true : undefined), 5000);
    const outputs = await Promise.all(attendees.map((attendee) => runOnce(attendee.tree, ['status'], 90_000)));
    const [a, b, g] = outputs.map((outcome) => outcome.stdout);
    for (const text of [a, b, g]) {
      expect(text).toContain('📣 From the teacher: Slides are online');
      // Seen in watch mode already: not shown twice.
      expect(text).not.toContain('Break in five minutes');
    }
    expect(b).toContain('📣 From the teacher (chapter 03 group): Chapter 03 people: read §5.5.1');
    for (const text of [a, g]) expect(text).not.toContain('read §5.5.1');
    expect(outputs.map((outcome) => outcome.code)).toEqual([0, 0, 0]);
  }, 120_000);
});
