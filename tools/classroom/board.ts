/**
 * The room-wide conformance board: the project's conformance suite (tools/conformance) run against
 * each attendee's registered server, one server at a time, scored per chapter.
 *
 * Every chapter's cases run against every server (as `npm run conformance -- --url` does): a server
 * solved to chapter 06 scores its chapters 01–06 in full and fails what its starters do not do yet.
 * A server that does not accept a TCP connection is shown as unreachable instead of a page of failures.
 */
import net from 'node:net';
import { allCases } from '../conformance/cases/index.ts';
import { chapterScores } from '../conformance/report.ts';
import { runSuite } from '../conformance/runner.ts';
import { parseTarget } from '../conformance/target.ts';
import type { BoardEntry } from './room.ts';

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
    const suite = await runSuite({ target, cases: allCases });
    const scores = chapterScores(suite).map((score) => ({ chapter: score.chapter, passed: score.passed, failed: score.failed, total: score.total }));
    return { attendee, url, at, scores, passed: suite.passed, failed: suite.failed };
  } catch (error) {
    return { attendee, url, at, scores: [], passed: 0, failed: 0, error: `the suite could not run: ${(error as Error).message}` };
  }
}
