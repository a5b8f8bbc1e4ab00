/**
 * The room-wide conformance board (tools/classroom/board.ts), end to end on loopback: two attendees'
 * servers, started as `npm run serve -- --impl <tree>` from trees solved to chapter 06 and to chapter
 * 10 (the fail-first proof's scratch trees, tools/test-all.ts), registered with `npm start -- board`
 * from joined runners, scored when the teacher's dashboard asks, read back from `GET /api/room`.
 *
 * The bar is "correct per chapter": the chapter 06 server passes every case of chapters 01–06 and
 * fails some case of 07–10, the chapter 10 server passes every case of 01–10, and a registered
 * address where nothing listens shows as unreachable.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardEntry, RoomView } from '../../../tools/classroom/room.ts';
import type { RunningRoom } from '../../../tools/classroom/room-server.ts';
import { makeScratchCopy, repoRoot } from '../../../tools/runner/scratch.ts';
import { generateStarters } from '../../../tools/starters.ts';
import { buildTree } from '../../../tools/test-all.ts';
import { killServers, startServe, type ServeProcess } from '../../15-scale-out/processes.ts';
import { freePort } from '../../helpers/redis.ts';
import { fetchRoom, openRoom, removeScratchCopy, runOnce, tempDir, until } from './helpers.ts';

/** How long scoring two servers may take on a loaded 2-core machine (about 10 s each when idle). */
const BOARD_MS = 150_000;

/** An attendee: a joined runner (its tree added to `runners`) that put `serverUrl` on the board, as `npm start -- join` then `board`. */
async function register(room: RunningRoom, name: string, serverUrl: string, runners: string[]): Promise<void> {
  const runner = makeScratchCopy({ fake: true });
  runners.push(runner);
  const join = await runOnce(runner, ['join', `ws://127.0.0.1:${room.port}`, '--name', name, '--token', room.joinToken]);
  expect(join.code, `npm start -- join printed:\n${join.stdout}${join.stderr}`).toBe(0);
  const board = await runOnce(runner, ['board', serverUrl]);
  expect(board.code, `npm start -- board printed:\n${board.stdout}${board.stderr}`).toBe(0);
}

/** Asks for a board run as the dashboard's button does: `run-board` on the teacher's WebSocket. */
async function runBoardFromDashboard(room: RunningRoom): Promise<void> {
  const socket = new WebSocket(`ws://127.0.0.1:${room.port}/dashboard?token=${encodeURIComponent(room.teacherToken)}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'run-board' }));
  await new Promise<void>((resolve) => socket.once('message', () => resolve()));
  socket.close(1000);
}

/** Per chapter number (`05`), the entry's `passed/total` with `failed`, for readable failures. */
function scoresOf(entry: BoardEntry): Record<string, { passed: number; failed: number; total: number }> {
  return Object.fromEntries(entry.scores.map((score) => [score.chapter.slice(0, 2), { passed: score.passed, failed: score.failed, total: score.total }]));
}

const upTo = (last: number): string[] => Array.from({ length: last }, (_, i) => String(i + 1).padStart(2, '0'));

describe('the conformance board (issue 19)', () => {
  let scratch = '';
  let stateDir = '';
  const runners: string[] = [];
  const serves: ServeProcess[] = [];
  let room: RunningRoom;
  let view: RoomView;

  beforeAll(async () => {
    // Inside the repository, as the proof's trees are: the chapters' imports find node_modules and core.
    fs.mkdirSync(path.join(repoRoot, '.tmp'), { recursive: true });
    scratch = fs.mkdtempSync(path.join(repoRoot, '.tmp', 'board-'));
    const starters = generateStarters();
    const trees = [6, 10].map((solved) => {
      const tree = path.join(scratch, `upto-${solved}`);
      buildTree(tree, solved, starters);
      return tree;
    });
    serves.push(...(await Promise.all(trees.map((tree) => startServe(['--impl', tree])))));
    stateDir = tempDir('board');
    room = await openRoom(repoRoot, path.join(stateDir, 'room.json'));
    const registered = [
      ['Six', `ws://127.0.0.1:${serves[0]!.port}`],
      ['Ten', `ws://127.0.0.1:${serves[1]!.port}`],
      ['Gone', `ws://127.0.0.1:${await freePort()}`],
    ] as const;
    await Promise.all(registered.map(([name, url]) => register(room, name, url, runners)));
    await until('three registered servers in GET /api/room', async () => {
      const { view: current } = await fetchRoom(room, room.teacherToken);
      return current && current.attendees.filter((attendee) => attendee.serverUrl !== null).length === 3 ? true : undefined;
    });
    await runBoardFromDashboard(room);
    view = await until(
      'the board to score all three servers',
      async () => {
        const { view: current } = await fetchRoom(room, room.teacherToken);
        return current && !current.boardRunning && current.board.length === 3 ? current : undefined;
      },
      BOARD_MS,
    );
  }, BOARD_MS + 60_000);

  afterAll(async () => {
    await room?.close();
    killServers();
    for (const runner of runners) removeScratchCopy(runner);
    for (const dir of [scratch, stateDir]) if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  const entry = (name: string): BoardEntry => {
    const found = view.board.find((candidate) => candidate.attendee === name);
    expect(found, `no board entry for ${name}; the board: ${JSON.stringify(view.board.map((item) => item.attendee))}`).toBeDefined();
    return found!;
  };

  it('scores the server solved to chapter 06: every case of 01–06 passes, some case of 07–10 fails', () => {
    const six = entry('Six');
    expect(six.error).toBeUndefined();
    const scores = scoresOf(six);
    // Cases are scored under the last chapter they need: 01–03's count under 04 and 05.
    expect(Object.keys(scores), 'the chapters with cases').toEqual(expect.arrayContaining(['04', '05', '06', '07']));
    for (const chapter of upTo(6).filter((number) => scores[number] !== undefined)) {
      expect(scores[chapter], `chapter ${chapter} of the chapter 06 server`).toMatchObject({ failed: 0, passed: scores[chapter]!.total });
    }
    const later = upTo(10).slice(6).filter((chapter) => scores[chapter] !== undefined);
    expect(later.reduce((failed, chapter) => failed + scores[chapter]!.failed, 0), `chapters 07–10 of the chapter 06 server: ${JSON.stringify(scores)}`).toBeGreaterThan(0);
  });

  it('scores the server solved to chapter 10: every case of 01–10 passes', () => {
    const ten = entry('Ten');
    expect(ten.error).toBeUndefined();
    const scores = scoresOf(ten);
    const covered = upTo(10).filter((chapter) => scores[chapter] !== undefined);
    expect(covered, 'the chapters with cases').toEqual(expect.arrayContaining(['04', '05', '06', '07', '08']));
    for (const chapter of covered) expect(scores[chapter], `chapter ${chapter} of the chapter 10 server`).toMatchObject({ failed: 0, passed: scores[chapter]!.total });
    // The leaderboard puts the server that passes more first.
    expect(ten.passed).toBeGreaterThan(entry('Six').passed);
    expect(view.board.findIndex((item) => item.attendee === 'Ten')).toBeLessThan(view.board.findIndex((item) => item.attendee === 'Six'));
  });

  it('shows a registered address where nothing listens as unreachable, with no scores', () => {
    const gone = entry('Gone');
    expect(gone.error).toMatch(/^unreachable/);
    expect(gone.scores).toEqual([]);
  });
});
