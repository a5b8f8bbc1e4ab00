/**
 * The workbook runner: `npm start [-- command]`.
 *
 * Without a command it prints every chapter's status (computed by running the tests against
 * chapters/, one vitest run for all chapters) and, in a terminal, goes on watching the first
 * unfinished chapter. The other commands check one chapter, show hints, show the reference as a diff,
 * and put files back (reset, catch-up) with a backup. README.md lists every command.
 *
 * Exit codes: 0 success; 1 a check fails or an action was refused; 2 an unknown chapter.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { findChapter, listChapters, type Chapter } from './chapters.ts';
import { apply, backup, effective, referenceFiles, solutionDiff, starterFiles, type FileChange } from './files.ts';
import { formatError, formatFailures, makeColors, passedCount, plural, stripAnsi, useColor, type Colors } from './format.ts';
import { nextHint, shownHints } from './hints.ts';
import { canAsk, confirm } from './prompt.ts';
import { chapterKeys, readResults, runAndKeep, runListeners } from './results.ts';
import { classify, describeStatus, StatusTable, untouchedChapters, type ChapterStatus } from './status.ts';
import { TestSession, type ChapterRun } from './tests.ts';
import { startWatch } from './watch.ts';
import type { RoomLink } from '../classroom/link.ts';
import { boardCommand, classroomCommand, joinCommand, leaveCommand, parseDuration, type ClassroomOptions } from '../classroom/commands.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const color = useColor(process.stdout);
const c: Colors = makeColors(color);
const print = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};
const printError = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

// Output piped into `head` and closed early is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** Thrown to end a command with an exit code after printing a message. */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function chapters(): Chapter[] {
  return listChapters(root);
}

function resolveChapter(arg: string): Chapter {
  const all = chapters();
  const chapter = findChapter(all, arg);
  if (!chapter) {
    const valid = all.length > 0 ? all.map((ch) => ch.number).join(', ') : 'none (no chapters/NN-* folder)';
    printError(`${c.red('Unknown chapter')} "${arg}". Chapters: ${valid}.`);
    throw new Exit(2);
  }
  return chapter;
}

async function withSession<T>(fn: (session: TestSession) => Promise<T>): Promise<T> {
  const session = await TestSession.open(root, 'chapters');
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

async function runChapter(session: TestSession, chapter: Chapter): Promise<{ run: ChapterRun; unhandled: string[] }> {
  const result = await runAndKeep(session, root, [chapter]);
  return {
    run: result.chapters.get(chapter.number)!,
    unhandled: result.unhandledErrors.map((error) => formatError(error, root, c, color)),
  };
}

// ── the classroom link ────────────────────────────────────────────────────────────────────────

/** The link to a teacher's room, when this tree joined one (`npm start -- join`). */
let classroom: RoomLink | undefined;
/** Broadcasts wait here while a terminal table is being redrawn in place. */
let heldBroadcasts: string[] | null = null;

function showBroadcast(line: string): void {
  if (heldBroadcasts !== null) heldBroadcasts.push(line);
  else print(line);
}

function releaseBroadcasts(): void {
  const held = heldBroadcasts ?? [];
  heldBroadcasts = null;
  for (const line of held) print(line);
}

/** Opens the link beside the first run if the tree joined a room; results are sent after every run. */
async function openClassroom(persistent: boolean): Promise<void> {
  const { readJoined, RoomLink } = await import('../classroom/link.ts');
  const joined = readJoined(root);
  if (!joined) return;
  classroom = new RoomLink(root, joined, {
    persistent,
    onBroadcast: (broadcast) => showBroadcast(`${c.magenta(c.bold('📣 From the teacher'))}${broadcast.chapter ? c.dim(` (chapter ${broadcast.chapter} group)`) : ''}: ${broadcast.text}`),
    onNotice: (text) => print(c.dim(text)),
  });
  const link = classroom;
  runListeners.add((result, ms) => link.report(result.chapters.values(), ms));
  link.start();
}

// ── status (+ watch) ──────────────────────────────────────────────────────────────────────────

async function statusCommand(options: { watch: boolean }): Promise<number> {
  const all = chapters();
  if (all.length === 0) {
    print('No chapters found under chapters/.');
    return 0;
  }
  const started = performance.now();
  const startedAt = Date.now();
  const interactive = options.watch && Boolean(process.stdout.isTTY);
  // On a terminal the table is drawn at once from the kept results and redrawn in place as runs end;
  // elsewhere it is printed once it holds results that match the files.
  const tty = Boolean(process.stdout.isTTY);
  // Keys pressed while the table is computed: not echoed, q and Ctrl-C quit, others wait for watch mode.
  const early: string[] = [];
  const onEarlyKey = (data: Buffer): void => {
    const key = data.toString('utf8');
    if (key === 'q' || key === '\u0003') {
      process.stdin.setRawMode(false);
      process.exit(key === 'q' ? 0 : 130);
    }
    early.push(key);
  };
  if (interactive && process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onEarlyKey);
  }
  const keys = chapterKeys(root, all);
  const kept = readResults(root, all, keys);
  const table = new StatusTable(all, print, c, untouchedChapters(root, all));
  for (const entry of kept.values()) table.set(entry.run, entry.fresh ? 'fresh' : 'stale');
  // Results still true of the files count as this run's: the room hears them too.
  if (tty && classroom) heldBroadcasts = [];
  classroom?.report([...kept.values()].filter((entry) => entry.fresh).map((entry) => entry.run), 0);
  const pending = new Set(all.filter((chapter) => !kept.get(chapter.number)?.fresh).map((chapter) => chapter.number));
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const summaryLine = (): string => {
    const tail = pending.size === 0 ? elapsed() : `${plural(pending.size, 'chapter')} to refresh, ${elapsed()} so far`;
    return `${c.bold(table.summary())}${c.dim(`  (${tail})`)}`;
  };
  let drawn = 0;
  const draw = (): void => {
    const lines = [...table.render(), '', summaryLine()];
    let text = drawn > 0 ? `\u001b[${drawn}A` : '';
    for (const line of lines) text += `\u001b[2K${line}\n`;
    process.stdout.write(text);
    drawn = lines.length;
  };
  if (tty) draw();
  else if (kept.size > 0 && pending.size > 0) {
    print(c.dim(`Kept from the last run (${plural(pending.size, 'chapter')} changed since, rerunning them):`));
    for (const line of table.render()) print(line);
    print('');
  }
  const finish = (run: ChapterRun): void => {
    table.set(run);
    pending.delete(run.chapter.number);
    if (tty) draw();
  };
  /** The end of `status`: the table as it now stands (a terminal shows it already), the next step. */
  const conclude = (): number => {
    if (!tty) {
      for (const line of table.render()) print(line);
      print('');
      print(summaryLine());
    }
    const next = table.next();
    if (next) print(c.dim(`What fails and why: npm start -- check ${next.number}`));
    releaseBroadcasts();
    return 0;
  };
  if (pending.size === 0 && !interactive) return conclude();
  const session = await TestSession.open(root, 'chapters');
  let keepSession = false;
  try {
    if (!interactive) {
      const stale = all.filter((chapter) => pending.has(chapter.number));
      for (const chapter of stale) table.mark(chapter, 'running');
      if (tty) draw();
      else print(c.dim(`Running the tests of ${plural(stale.length, 'chapter')} against chapters/ …`));
      await runAndKeep(session, root, stale, finish);
      return conclude();
    }
    // Watch mode: find the chapter to watch, running only the chapters on the way that changed.
    let start: Chapter | undefined;
    let initial: ChapterRun | undefined;
    for (const chapter of all) {
      // The chapter's results as they stand now: kept and fresh, or from the run just made.
      let run = kept.get(chapter.number)?.run;
      if (pending.has(chapter.number)) {
        table.mark(chapter, 'running');
        draw();
        run = (await runAndKeep(session, root, [chapter])).chapters.get(chapter.number)!;
        finish(run);
      }
      const status = table.status(chapter);
      if (status && status.kind !== 'passed' && status.kind !== 'no-tests') {
        start = chapter;
        initial = run;
        break;
      }
    }
    start ??= all[all.length - 1]!;
    if (process.stdin.isTTY) process.stdin.off('data', onEarlyKey);
    keepSession = true;
    const handle = startWatch({
      root,
      session,
      chapters: all,
      start,
      initial,
      resultsFrom: startedAt,
      pendingKeys: early,
      print,
      colors: c,
      color,
      keys: process.stdin.isTTY ? process.stdin : undefined,
      showRunning: runningLine,
    });
    process.once('SIGINT', () => void handle.stop());
    await handle.ready;
    releaseBroadcasts();
    // The chapters after it that changed since their last run are refreshed one at a time, so a save
    // waits for one chapter's run at most; only a status that differs from the table is reported.
    void (async () => {
      for (const chapter of all.filter((candidate) => pending.has(candidate.number))) {
        if (handle.isStopping()) return;
        const shown = table.status(chapter);
        const run = (await runAndKeep(session, root, [chapter])).chapters.get(chapter.number);
        if (!run || handle.isStopping()) return;
        table.set(run);
        pending.delete(chapter.number);
        const now = table.status(chapter)!;
        const before = shown ? describeStatus(shown, c) : undefined;
        const after = describeStatus(now, c);
        if (before !== after) print(c.dim(`↻ chapter ${chapter.number} (changed since its last run) is now `) + after + (before ? c.dim(` (the table showed ${stripAnsi(before)})`) : ''));
      }
    })().catch(() => undefined);
    await handle.stopped;
    await session.close();
    return 0;
  } finally {
    if (!keepSession) await session.close();
  }
}

/** The "running…" line of watch mode: on a terminal it stays on one line and is wiped by the report. */
function runningLine(text: string | undefined): void {
  if (process.stdout.isTTY) process.stdout.write(text === undefined ? '\r\u001b[2K' : `\r\u001b[2K${c.yellow('⟳')} ${c.dim(text)}`);
  else if (text !== undefined) print(c.dim(`⟳ ${text}`));
}

async function watchCommand(arg: string | undefined): Promise<number> {
  const all = chapters();
  const chapter = arg === undefined ? undefined : resolveChapter(arg);
  const startedAt = Date.now();
  const session = await TestSession.open(root, 'chapters');
  let start = chapter;
  let initial: ChapterRun | undefined;
  if (!start) {
    print(c.dim(`Running the tests of ${plural(all.length, 'chapter')} to find the next one …`));
    const table = new StatusTable(all, () => undefined, c, untouchedChapters(root, all));
    const result = await runAndKeep(session, root, all, (run) => table.add(run));
    start = table.next() ?? all[all.length - 1];
    if (start) initial = result.chapters.get(start.number);
  }
  if (!start) {
    print('No chapters found under chapters/.');
    await session.close();
    return 0;
  }
  const handle = startWatch({
    root,
    session,
    chapters: all,
    start,
    initial,
    resultsFrom: initial ? startedAt : undefined,
    print,
    colors: c,
    color,
    keys: process.stdin.isTTY ? process.stdin : undefined,
    showRunning: runningLine,
  });
  process.once('SIGINT', () => void handle.stop());
  await handle.ready;
  await handle.stopped;
  await session.close();
  return 0;
}

// ── check ─────────────────────────────────────────────────────────────────────────────────────

async function checkCommand(arg: string): Promise<number> {
  const chapter = resolveChapter(arg);
  return withSession(async (session) => {
    const { run, unhandled } = await runChapter(session, chapter);
    print(`${c.bold(`Chapter ${chapter.number} · ${chapter.title}`)}${c.dim(`  ${run.files.join(', ') || 'no test file'} against chapters/`)}`);
    const status = classify(run);
    if (status.kind === 'no-tests') {
      print(c.yellow(`Chapter ${chapter.number} has no tests yet.`));
      return 1;
    }
    print('');
    print(testList(run));
    for (const text of unhandled) print(`\n${c.red('Error outside any test: ')}${text}`);
    if (status.kind === 'passed' && unhandled.length === 0) {
      print('');
      print(c.green(c.bold(`✓ Chapter ${chapter.number} passes: ${passedCount(run.tests.length)}.`)));
      print(`  Compare with the reference: ${c.cyan(`npm start -- solution ${chapter.number}`)}`);
      return 0;
    }
    print('');
    print(formatFailures(run, root, c, color, { limit: 10, todoNames: 5 }));
    print('');
    print(`${describeStatus(status, c)}${c.dim(`   hint: npm start -- hint ${chapter.number}`)}`);
    return 1;
  });
}

/**
 * The chapter's tests, one line each when there are few; otherwise one line per describe block
 * with its count, and the failing tests of blocks that partly pass.
 */
function testList(run: ChapterRun): string {
  const mark = (state: string): string => (state === 'passed' ? c.green('✓') : state === 'failed' ? c.red('✗') : c.dim('○'));
  if (run.tests.length <= 25) {
    return run.tests.map((test) => `  ${mark(test.state)} ${test.state === 'passed' ? c.dim(test.name) : test.name}`).join('\n');
  }
  const groups = new Map<string, ChapterRun['tests'][number][]>();
  for (const test of run.tests) {
    const cut = test.name.lastIndexOf(' › ');
    const group = cut < 0 ? test.file : test.name.slice(0, cut);
    groups.set(group, [...(groups.get(group) ?? []), test]);
  }
  const out: string[] = [];
  for (const [group, tests] of groups) {
    const failing = tests.filter((test) => test.state === 'failed');
    if (failing.length === 0) out.push(`  ${mark('passed')} ${c.dim(`${group} (${plural(tests.length, 'test')})`)}`);
    else out.push(`  ${mark('failed')} ${group}: ${c.red(`${failing.length} of ${plural(tests.length, 'test')} failing`)}`);
    if (failing.length > 0 && failing.length < tests.length) {
      for (const test of failing) out.push(`      ${mark('failed')} ${test.name.slice(group.length + 3)}`);
    }
  }
  return out.join('\n');
}

// ── hint ──────────────────────────────────────────────────────────────────────────────────────

function hintCommand(arg: string, options: { all?: boolean }): number {
  const chapter = resolveChapter(arg);
  print(options.all ? shownHints(root, chapter, c) : nextHint(root, chapter, c));
  return 0;
}

// ── solution ──────────────────────────────────────────────────────────────────────────────────

async function solutionCommand(arg: string, options: { force?: boolean }): Promise<number> {
  const chapter = resolveChapter(arg);
  if (!options.force) {
    const status = await withSession(async (session) => classify((await runChapter(session, chapter)).run));
    if (status.kind !== 'passed') {
      print(`The reference for chapter ${chapter.number} unlocks when its tests pass (now: ${describeStatus(status, c)}).`);
      print(c.dim(`npm start -- check ${chapter.number} shows what fails; npm start -- solution ${chapter.number} --force shows the reference anyway.`));
      return 1;
    }
  }
  const diff = solutionDiff(root, chapter, c);
  print(c.bold(`Chapter ${chapter.number} · ${chapter.title}: your code against the reference`));
  print(c.dim(`  ${c.red('-')} chapters/${chapter.slug}/ (yours)   ${c.green('+')} solutions/${chapter.slug}/ (reference)`));
  print('');
  print(diff === '' ? c.green('Your files are the same as the reference.') : diff);
  return 0;
}

// ── reset and catch-up ────────────────────────────────────────────────────────────────────────

async function overwrite(changes: readonly FileChange[], what: string, yes: boolean): Promise<string | undefined | false> {
  print(`${what}:`);
  for (const change of changes) print(`  ${change.file}`);
  if (!yes) {
    if (!canAsk()) {
      printError(c.red(`Refusing to overwrite ${plural(changes.length, 'file')} without a terminal to ask on. Add --yes to confirm (a backup is kept).`));
      return false;
    }
    if (!(await confirm(`Overwrite ${plural(changes.length, 'file')}? A backup is kept.`))) {
      print('Nothing changed.');
      return false;
    }
  }
  const saved = backup(root, changes.map((change) => change.file));
  apply(root, changes);
  return saved;
}

async function resetCommand(arg: string, options: { yes?: boolean }): Promise<number> {
  const chapter = resolveChapter(arg);
  let starters: FileChange[];
  try {
    starters = await starterFiles(root, chapter);
  } catch (error) {
    printError(c.red(error instanceof Error ? error.message : String(error)));
    return 1;
  }
  const changes = effective(root, starters);
  if (changes.length === 0) {
    print(`chapters/${chapter.slug}/ already holds the starter: nothing to reset.`);
    return 0;
  }
  const saved = await overwrite(changes, `Reset chapter ${chapter.number} to its starter`, Boolean(options.yes));
  if (saved === false) return 1;
  print(c.green(`Chapter ${chapter.number} is back to its starter (${plural(changes.length, 'file')}).`));
  if (saved) print(`Your files were saved in ${c.bold(`${saved}/`)}`);
  return 0;
}

async function catchUpCommand(arg: string, options: { yes?: boolean; all?: boolean }): Promise<number> {
  const chapter = resolveChapter(arg);
  const before = chapters().filter((candidate) => candidate.number < chapter.number);
  let targets = before;
  let passing: Chapter[] = [];
  if (!options.all && before.length > 0) {
    // Only the chapters that do not pass yet are filled: a passing chapter is the learner's own work.
    const kept = readResults(root, before, chapterKeys(root, before));
    const statuses = new Map<string, ChapterStatus>();
    for (const [number, entry] of kept) if (entry.fresh) statuses.set(number, classify(entry.run));
    const unknown = before.filter((candidate) => !statuses.has(candidate.number));
    if (unknown.length > 0) {
      print(c.dim(`Running the tests of ${plural(unknown.length, 'chapter')} to see which pass already …`));
      await withSession((session) => runAndKeep(session, root, unknown, (run) => statuses.set(run.chapter.number, classify(run))));
    }
    passing = before.filter((candidate) => statuses.get(candidate.number)?.kind === 'passed');
    targets = before.filter((candidate) => !passing.includes(candidate));
  }
  const numbers = (list: readonly Chapter[]): string => list.map((entry) => entry.number).join(', ');
  if (passing.length > 0) {
    print(`${c.green('✓')} ${passing.length === 1 ? 'Chapter' : 'Chapters'} ${numbers(passing)} ${passing.length === 1 ? 'passes' : 'pass'} already: kept as ${passing.length === 1 ? 'it is' : 'they are'}. ${c.dim('(--all replaces passing chapters too)')}`);
  }
  const changes = effective(root, targets.flatMap((earlier) => referenceFiles(root, earlier)));
  if (changes.length === 0) {
    if (before.length === 0) print(`Chapter ${chapter.number} is the first: nothing to catch up.`);
    else if (targets.length === 0) print(`Every chapter before ${chapter.number} passes: nothing to fill.`);
    else print(`Chapter${targets.length === 1 ? '' : 's'} ${numbers(targets)} already hold the reference code: nothing to do.`);
    return 0;
  }
  const which = `chapter${targets.length === 1 ? '' : 's'} ${numbers(targets)}`;
  const saved = await overwrite(changes, `Fill ${which} with the reference code`, Boolean(options.yes));
  if (saved === false) return 1;
  print(c.green(`${which[0]!.toUpperCase()}${which.slice(1)} now ${targets.length === 1 ? 'holds' : 'hold'} the reference code (${plural(changes.length, 'file')} written).`));
  if (saved) print(`Your files were saved in ${c.bold(`${saved}/`)}`);
  print(`Chapter ${chapter.number} can start now: ${c.cyan(`npm start -- check ${chapter.number}`)} or ${c.cyan('npm start')}`);
  return 0;
}

// ── the command line ──────────────────────────────────────────────────────────────────────────

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name('npm start --')
    .description('The workbook runner: your progress, your failing tests explained, hints, and the reference when you are done.')
    .showHelpAfterError()
    .action(async () => {
      await openClassroom(Boolean(process.stdout.isTTY));
      code = await statusCommand({ watch: true });
    });
  program
    .command('status')
    .description('print every chapter with its status and the next one to do, then exit')
    .action(async () => {
      await openClassroom(false);
      code = await statusCommand({ watch: false });
    });
  program
    .command('watch [N]')
    .description('rerun chapter N (default: the next unfinished) on every save under chapters/')
    .action(async (n: string | undefined) => {
      await openClassroom(true);
      code = await watchCommand(n);
    });
  program
    .command('check <N>')
    .description("run chapter N's tests against your code; exit 0 only when they all pass")
    .action(async (n: string) => {
      await openClassroom(false);
      code = await checkCommand(n);
    });
  program
    .command('hint <N>')
    .description('show the next hint for chapter N (one more each time)')
    .option('--all', 'show every hint shown so far')
    .action((n: string, options: { all?: boolean }) => {
      code = hintCommand(n, options);
    });
  program
    .command('solution <N>')
    .description('diff your chapter N against the reference, once its tests pass')
    .option('--force', 'show it before the tests pass')
    .action(async (n: string, options: { force?: boolean }) => {
      code = await solutionCommand(n, options);
    });
  program
    .command('reset <N>')
    .description("put chapter N's starter files back (your files are backed up first)")
    .option('-y, --yes', 'do not ask before overwriting')
    .action(async (n: string, options: { yes?: boolean }) => {
      code = await resetCommand(n, options);
    });
  program
    .command('catch-up <N>')
    .description('fill the chapters before N that do not pass yet with the reference code, so N can start now (backup kept)')
    .option('-y, --yes', 'do not ask before overwriting')
    .option('--all', 'fill the passing chapters before N too')
    .action(async (n: string, options: { yes?: boolean; all?: boolean }) => {
      code = await catchUpCommand(n, options);
    });
  const context = { root, print, printError, c };
  program
    .command('classroom')
    .description("teacher: start a room server with a live dashboard of every attendee's chapters")
    .option('--port <port>', 'TCP port (0 picks a free one)', (value: string) => Number(value), 4000)
    .option('--host <host>', 'interface to listen on (a LAN address to let the room in)', '127.0.0.1')
    .option('--stuck-after <duration>', 'flag an attendee on the same failing test this long: 10m, 90s', parseDuration, parseDuration('10m'))
    .option('--state <file>', 'where the room is kept across restarts', undefined)
    .option('--max-message <bytes>', 'largest message an attendee may send (default 65536) → 1009', (value: string) => Number(value))
    .option('--rate <n>', 'messages per connection per 10 s (default 20) → 1008', (value: string) => Number(value))
    .option('--no-open', 'do not open the dashboard in a browser')
    .action(async (options: ClassroomOptions) => {
      code = await classroomCommand(context, chapters(), options);
    });
  program
    .command('join <url>')
    .description("attendee: report every run's results (counts, failing test titles, time) to a teacher's room")
    .requiredOption('--name <name>', 'your name as the teacher sees it')
    .requiredOption('--token <token>', 'the join token the teacher gave')
    .option('--server <url>', 'your server for the conformance board, e.g. ws://192.168.1.20:8080')
    .action((url: string, options: { name: string; token: string; server?: string }) => {
      code = joinCommand(context, url, options);
    });
  program
    .command('leave')
    .description('attendee: stop reporting to the room')
    .action(() => {
      code = leaveCommand(context);
    });
  program
    .command('board <url>')
    .description('attendee: put your running server (npm run serve -- --impl chapters) on the conformance board')
    .action(async (url: string) => {
      code = await boardCommand(context, url);
    });
  program.addHelpText(
    'after',
    '\nN is a chapter number: 5, 05 or 05-frames.\nExit codes: 0 ok · 1 a check fails or an action was refused · 2 unknown chapter or command.',
  );
  const known = program.commands.map((command) => command.name());
  const first = argv[2];
  if (first !== undefined && !first.startsWith('-') && !known.includes(first)) {
    printError(c.red(`Unknown command "${first}". The commands: ${known.join(', ')}. See npm start -- --help`));
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof Exit) return error.code;
    throw error;
  }
  return code;
}

main(process.argv).then(
  async (code) => {
    // What the last run sent leaves before the process does (bounded: an unreachable room costs nothing).
    await classroom?.finish(1000);
    process.exit(code);
  },
  (error: unknown) => {
    printError(c.red(`The runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    process.exit(1);
  },
);
