/**
 * The room-wide conformance board: the project's conformance suite (tools/conformance) run against
 * each attendee's registered server, one server at a time, scored per chapter.
 *
 * Every chapter's cases run against every server (as `npm run conformance -- --url` does): a server
 * solved to chapter 06 scores its chapters 01–06 in full and fails what its starters do not do yet.
 * Two choices make that hold:
 * - A case is scored under the last chapter it needs, not the chapter it is tagged with: 3.8 (RSV2 on
 *   a continuation frame) is a chapter 05 rule, but only a server with chapter 07's fragmentation can
 *   get as far as checking it, so its failure on a chapter 06 server belongs to chapter 07's column.
 *   Chapters 01–03 cannot be seen on the wire before a server answers 101 and echoes, so their cases
 *   count under 04 and 05, and the board's columns start at 04.
 * - Attendees' servers run as `npm run serve -- --impl chapters` starts them, without `--deflate`: the
 *   compression cases that need it are left out rather than shown as pending.
 * A server that does not accept a TCP connection is shown as unreachable instead of a page of failures.
 */
import net from 'node:net';
import { allCases } from '../conformance/cases/index.ts';
import { chapterScores } from '../conformance/report.ts';
import { runSuite } from '../conformance/runner.ts';
import { parseTarget } from '../conformance/target.ts';
import type { Case } from '../conformance/case.ts';
import type { BoardEntry } from './room.ts';

/** The board's cases, each tagged with the last chapter it needs (see above). */
export const boardCases: readonly Case[] = allCases
  .filter((item) => item.deflate !== true)
  .map((item) => ({ ...item, chapter: Math.max(item.chapter, ...(item.needs ?? [])) }));

/**
 * Every case's time bound doubled: an attendee's server answers over the room's network, from a
 * laptop that is also running its owner's tests, and the board scores behaviour, not speed.
 */
const TIME_SCALE = 2;

/** Whether something accepts a TCP connection at host:port within `timeoutMs`. */
function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Scores one server. Never throws: a failure to run becomes the entry's `error`. */
export async function scoreServer(attendee: string, url: string): Promise<BoardEntry> {
  const at = Date.now();
  try {
    const target = parseTarget(url);
    if (!(await reachable(target.host, target.port, 2000))) {
      return { attendee, url, at, scores: [], passed: 0, failed: 0, error: `unreachable (nothing accepts a connection at ${target.host}:${target.port})` };
    }
    const suite = await runSuite({ target, cases: boardCases, timeScale: TIME_SCALE });
    const scores = chapterScores(suite).map((score) => ({ chapter: score.chapter, passed: score.passed, failed: score.failed, total: score.total }));
    return { attendee, url, at, scores, passed: suite.passed, failed: suite.failed };
  } catch (error) {
    return { attendee, url, at, scores: [], passed: 0, failed: 0, error: `the suite could not run: ${(error as Error).message}` };
  }
}
