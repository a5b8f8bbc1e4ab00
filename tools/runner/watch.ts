/**
 * Watch mode: rerun the current chapter's tests on every save under chapters/ and show what changed.
 *
 * chokidar reports saves; they are gathered for DEBOUNCE_MS (an editor's save is often several
 * events), the saved modules are invalidated in the running vitest, and only the current chapter's
 * test files run again; a line says so while they run. The report compares with the previous run:
 * tests newly passing, newly failing, failing differently, or failing in a way not yet shown in full
 * (a report shows SHOWN_PER_REPORT failures and names the rest) are shown; tests failing as already
 * shown are only counted. When the chapter passes, watch mode says so and moves on to the next
 * chapter that does not pass. Every run's results are kept for the status table (results.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { watch as watchFiles, type FSWatcher } from 'chokidar';
import { listTsFiles, type Chapter } from './chapters.ts';
import { failureText, formatError, formatFailures, passedCount, plural, type Colors } from './format.ts';
import { nextHint } from './hints.ts';
import { runAndKeep } from './results.ts';
import { classify } from './status.ts';
import type { ChapterRun, TestOutcome, TestSession } from './tests.ts';

export const DEBOUNCE_MS = 50;

export interface WatchOptions {
  readonly root: string;
  readonly session: TestSession;
  readonly chapters: readonly Chapter[];
  /** The chapter to start with. */
  readonly start: Chapter;
  /** Its results if they are already known (from the status run). */
  readonly initial?: ChapterRun;
  readonly print: (text: string) => void;
  readonly colors: Colors;
  readonly color: boolean;
  /** The terminal to read keys from (q, h, r); none for a non-interactive watch. */
  readonly keys?: NodeJS.ReadStream;
  readonly debounceMs?: number;
  /**
   * When the results in `initial` were started (ms since the epoch): files saved after that are
   * rerun at once, so a save made while the status table was computed is not missed.
   */
  readonly resultsFrom?: number;
  /** Keys pressed before watch mode started, handled once it is ready. */
  readonly pendingKeys?: readonly string[];
  /** Called as soon as a run's report is printed (used to measure save-to-result time). */
  readonly onReport?: (run: ChapterRun) => void;
  /** Shows that a run is going on (a text), or wipes that line (undefined) before the report. */
  readonly showRunning?: (text: string | undefined) => void;
}

export interface WatchHandle {
  /** Resolves when the file watcher is ready and the first report is printed. */
  readonly ready: Promise<void>;
  /** Resolves when watch mode stops (q, Ctrl-C or stop()). */
  readonly stopped: Promise<void>;
  current(): Chapter | undefined;
  /** Whether stop() was called (q, Ctrl-C). */
  isStopping(): boolean;
  stop(): Promise<void>;
}

/** How many failures a report shows in full; the others are named, and shown in full next time. */
const SHOWN_PER_REPORT = 5;

export function startWatch(options: WatchOptions): WatchHandle {
  const { root, session, chapters, print, colors: c, color } = options;
  const debounceMs = options.debounceMs ?? DEBOUNCE_MS;
  let current: Chapter | undefined = options.start;
  let previous: ChapterRun | undefined;
  /** The failures shown in full so far (test key → message): a failure not in it is news. */
  const seen = new Map<string, string>();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  const saved = new Set<string>();
  let running: Promise<void> | undefined;
  let again = false;
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const legend = (): string =>
    c.dim(`keys: ${c.bold('q')} quit · ${c.bold('h')} next hint · ${c.bold('r')} rerun — watching chapters/, save a file to rerun`);

  const heading = (chapter: Chapter): string => c.bold(c.inverse(` Chapter ${chapter.number} `)) + c.bold(` ${chapter.title}`);

  const countLine = (run: ChapterRun): string => {
    const failing = run.tests.filter((test) => test.state === 'failed').length;
    if (run.fileErrors.length > 0 && run.tests.length === 0) return c.red('its tests cannot load (see above)');
    return c.red(`${failing} of ${plural(run.tests.length, 'test')} failing`);
  };

  /** The whole picture of a run: every failure (grouped), then the count. */
  const fullReport = (run: ChapterRun): void => {
    print('');
    print(heading(run.chapter) + c.dim(`  ${run.files.join(', ') || 'no test file'}`));
    if (run.tests.length === 0 && run.fileErrors.length === 0) {
      print(c.yellow('This chapter has no tests yet.'));
      return;
    }
    const passed = classify(run).kind === 'passed';
    if (!passed) {
      print('');
      print(formatFailures(run, root, c, color, { limit: SHOWN_PER_REPORT, seen }));
      print('');
      print(countLine(run));
    }
  };

  /** Only what changed since the previous run of the same chapter. */
  const changeReport = (before: ChapterRun, after: ChapterRun, files: readonly string[]): void => {
    const time = new Date().toTimeString().slice(0, 8);
    const what = files.length > 0 ? files.map((file) => path.relative(root, file).split(path.sep).join('/')).join(', ') : 'rerun';
    print('');
    print(c.dim(`── ${time} · ${what} ──`));
    const old = new Map(before.tests.map((test) => [test.key, test]));
    const newlyPassing: TestOutcome[] = [];
    const newlyFailing = new Set<string>();
    let still = 0;
    for (const test of after.tests) {
      const was = old.get(test.key);
      if (test.state === 'passed' && was?.state !== 'passed') newlyPassing.push(test);
      else if (test.state === 'failed') {
        // A failure is news until its message has been shown once in full, even if it failed before.
        if (was?.state === 'failed' && seen.get(test.key) === failureText(test)) still++;
        else newlyFailing.add(test.key);
      }
    }
    const oldFileErrors = new Set(before.fileErrors.map((entry) => `${entry.file}\n${entry.error.message}`));
    const fileErrorsChanged =
      after.fileErrors.length !== before.fileErrors.length ||
      after.fileErrors.some((entry) => !oldFileErrors.has(`${entry.file}\n${entry.error.message}`));
    if (before.fileErrors.length > 0 && after.fileErrors.length === 0) print(c.green('✓ the tests load again'));
    for (const test of newlyPassing) print(`${c.green('✓')} ${test.name}`);
    const shown: ChapterRun = { ...after, fileErrors: fileErrorsChanged ? after.fileErrors : [] };
    if (newlyFailing.size > 0 || shown.fileErrors.length > 0) {
      if (newlyPassing.length > 0) print('');
      print(formatFailures(shown, root, c, color, { only: newlyFailing, limit: SHOWN_PER_REPORT, seen }));
    }
    if (newlyPassing.length === 0 && newlyFailing.size === 0 && !fileErrorsChanged) print(c.dim('no change'));
    if (classify(after).kind !== 'passed') {
      const failing = after.tests.filter((test) => test.state === 'failed').length;
      const tail = still > 0 && still === failing ? ' (as before)' : '';
      print(`${countLine(after)}${c.dim(tail)}`);
    }
  };

  /** After a pass: say so, then find the next chapter that does not pass and show it. */
  const moveOn = async (passed: ChapterRun): Promise<void> => {
    const number = passed.chapter.number;
    print('');
    print(c.green(c.bold(`✓ Chapter ${number} passes: ${passedCount(passed.tests.length)}.`)));
    print(`  Compare with the reference: ${c.cyan(`npm start -- solution ${number}`)}`);
    for (const chapter of chapters.filter((candidate) => candidate.number > number)) {
      if (stopping) return;
      options.showRunning?.(`running chapter ${chapter.number}'s tests …`);
      const run = (await runAndKeep(session, root, [chapter]).finally(() => options.showRunning?.(undefined))).chapters.get(chapter.number)!;
      const status = classify(run);
      if (status.kind === 'passed') {
        print(c.green(`✓ Chapter ${chapter.number} passes already.`));
        continue;
      }
      if (status.kind === 'no-tests') continue;
      current = chapter;
      previous = run;
      print('');
      print(c.bold(`Next: chapter ${chapter.number} · ${chapter.title} (chapters/${chapter.slug}/README.md)`));
      fullReport(run);
      return;
    }
    current = undefined;
    print('');
    print(c.green(c.bold('Every chapter passes. Well done!')) + c.dim('  npm run serve -- --impl chapters runs your server.'));
  };

  const report = async (run: ChapterRun, files: readonly string[], full: boolean): Promise<void> => {
    if (full || !previous || previous.chapter.number !== run.chapter.number) fullReport(run);
    else changeReport(previous, run, files);
    previous = run;
    options.onReport?.(run);
    if (classify(run).kind === 'passed') await moveOn(run);
    print(legend());
  };

  const runCurrent = async (files: readonly string[], full: boolean): Promise<void> => {
    const chapter = current ?? chapters[chapters.length - 1];
    if (!chapter || stopping) return;
    for (const file of files) session.invalidate(file);
    const saved = files.map((file) => path.relative(root, file).split(path.sep).join('/')).join(', ');
    options.showRunning?.(`running chapter ${chapter.number}'s tests${saved ? ` (saved ${saved})` : ''} …`);
    let result;
    try {
      result = await runAndKeep(session, root, [chapter]);
    } finally {
      options.showRunning?.(undefined);
    }
    if (stopping) return;
    for (const error of result.unhandledErrors) print(c.red('Error outside any test: ') + formatError(error, root, c, color));
    await report(result.chapters.get(chapter.number)!, files, full);
  };

  const trigger = (full: boolean): void => {
    if (running) {
      again = true;
      return;
    }
    const files = [...saved];
    saved.clear();
    running = runCurrent(files, full)
      .catch((error: unknown) => print(c.red(`The test run failed: ${error instanceof Error ? error.message : String(error)}`)))
      .finally(() => {
        running = undefined;
        if (again && !stopping) {
          again = false;
          trigger(false);
        }
      });
  };

  const onSave = (file: string): void => {
    if (!file.endsWith('.ts')) return;
    saved.add(path.resolve(root, file));
    clearTimeout(timer);
    timer = setTimeout(() => trigger(false), debounceMs);
  };

  const onKey = (data: Buffer): void => {
    const key = data.toString('utf8');
    if (key === 'q' || key === '\u0003' || key === '\u0004') void stop();
    else if (key === 'r') trigger(true);
    else if (key === 'h') {
      if (current) print(`\n${nextHint(root, current, c)}\n${legend()}`);
      else print(c.dim('Every chapter passes: no hint needed.'));
    }
  };

  const stop = async (): Promise<void> => {
    if (stopping) return stopped;
    stopping = true;
    clearTimeout(timer);
    if (options.keys) {
      options.keys.off('data', onKey);
      if (options.keys.isTTY) options.keys.setRawMode(false);
      options.keys.pause();
    }
    await watcher?.close();
    await running;
    resolveStopped();
    return stopped;
  };

  const ready = (async () => {
    watcher = watchFiles(path.join(root, 'chapters'), {
      ignoreInitial: true,
      ignored: (file, stats) => Boolean(stats?.isFile()) && !file.endsWith('.ts'),
    });
    watcher.on('add', onSave).on('change', onSave).on('unlink', onSave);
    await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
    if (options.keys) {
      if (options.keys.isTTY) options.keys.setRawMode(true);
      options.keys.on('data', onKey);
      options.keys.resume();
    }
    if (options.initial) await report(options.initial, [], true);
    else await runCurrent([], true);
    if (options.resultsFrom !== undefined) {
      const chaptersDir = path.join(root, 'chapters');
      for (const rel of listTsFiles(chaptersDir)) {
        const file = path.join(chaptersDir, rel);
        if (fs.statSync(file).mtimeMs > options.resultsFrom) onSave(file);
      }
    }
    for (const key of options.pendingKeys ?? []) onKey(Buffer.from(key));
  })();

  return { ready, stopped, current: () => current, isStopping: () => stopping, stop };
}
