/**
 * A chapter's status, computed from a test run (nothing is stored): passed, failing n of m, or not
 * started. "Not started" means the chapter's .ts files are still the committed starter (git says
 * unchanged; a few tests may pass on a starter, and socket tests may fail with a closed connection
 * rather than the TODO itself), or no test passes and every failure is a starter's TODO.
 * A TODO counts when the error is one, quotes one (a 501 answer in a transcript) or the test printed one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Chapter } from './chapters.ts';
import { mentionsTodo, missingChapters, plural, type Colors } from './format.ts';
import type { ChapterRun } from './tests.ts';

export type ChapterStatus =
  | { readonly kind: 'passed'; readonly total: number }
  | { readonly kind: 'failing'; readonly failing: number; readonly total: number; readonly cannotLoad: boolean }
  | { readonly kind: 'not-started'; readonly total: number; readonly needs: readonly string[] }
  | { readonly kind: 'no-tests' };

export function classify(run: ChapterRun, untouched = false): ChapterStatus {
  const total = run.tests.length;
  if (total === 0 && run.fileErrors.length === 0) return { kind: 'no-tests' };
  const failing = run.tests.filter((test) => test.state === 'failed').length;
  const passing = run.tests.filter((test) => test.state === 'passed').length;
  if (failing === 0 && run.fileErrors.length === 0 && passing > 0) return { kind: 'passed', total };
  const failed = run.tests.filter((test) => test.state === 'failed');
  const allTodo =
    failed.length + run.fileErrors.length > 0 &&
    run.fileErrors.every((entry) => mentionsTodo(entry.error)) &&
    failed.every((test) => test.errors.length > 0 && test.errors.every((error) => mentionsTodo(error, test.logs)));
  if (untouched || (passing === 0 && allTodo)) {
    const needs = missingChapters(run).filter((number) => number < run.chapter.number);
    return { kind: 'not-started', total, needs };
  }
  return { kind: 'failing', failing: failing === 0 ? total : failing, total, cannotLoad: run.fileErrors.length > 0 };
}

export function isDone(status: ChapterStatus): boolean {
  return status.kind === 'passed';
}

/** The status column's text. */
export function describeStatus(status: ChapterStatus, c: Colors): string {
  switch (status.kind) {
    case 'passed':
      return c.green(`✓ passed (${plural(status.total, 'test')})`);
    case 'failing':
      if (status.cannotLoad && status.total === 0) return c.red('✗ failing: its tests cannot load');
      return c.red(`✗ failing ${status.failing} of ${plural(status.total, 'test')}`);
    case 'not-started': {
      const needs = status.needs.length > 0 ? c.dim(` (needs ${status.needs.join(', ')} first)`) : '';
      return c.dim('· not started') + needs;
    }
    case 'no-tests':
      return c.dim('· no tests yet');
    default: {
      const never: never = status;
      return never;
    }
  }
}

/**
 * Chapter folders whose .ts files equal the committed ones (`git status` lists none under them), or
 * undefined when `root` is not the top of a git work tree.
 */
export function untouchedChapters(root: string, chapters: readonly Chapter[]): Set<string> | undefined {
  try {
    const top = execFileSync('git', ['-C', root, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (fs.realpathSync(top) !== fs.realpathSync(root)) return undefined;
    const tracked = execFileSync('git', ['-C', root, 'ls-tree', '-d', '--name-only', 'HEAD', 'chapters/'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const trackedSlugs = new Set(tracked.split('\n').map((line) => path.posix.basename(line.trim())).filter(Boolean));
    const changes = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=all', '--', 'chapters'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const changed = new Set<string>();
    for (const line of changes.split('\n')) {
      const match = /chapters\/(\d\d-[^/]+)\/.*\.ts"?$/.exec(line.trim());
      if (match) changed.add(match[1]!);
    }
    return new Set(chapters.map((chapter) => chapter.slug).filter((slug) => trackedSlugs.has(slug) && !changed.has(slug)));
  } catch {
    return undefined;
  }
}

/** How a row's result stands against the files now. */
export type RowMark = 'fresh' | 'stale' | 'running';

/**
 * The status table. Rows come from a run, or from the kept results (`set` with the mark `stale` when
 * the chapter's files changed since). `add` prints rows in chapter order as results come in; `render`
 * gives the whole table, for a terminal that redraws it in place.
 */
export class StatusTable {
  private readonly statuses = new Map<string, ChapterStatus>();
  private readonly marks = new Map<string, RowMark>();
  private printed = 0;
  private readonly titleWidth: number;

  constructor(
    private readonly chapters: readonly Chapter[],
    private readonly print: (line: string) => void,
    private readonly c: Colors,
    private readonly untouched: ReadonlySet<string> | undefined,
  ) {
    this.titleWidth = Math.min(44, Math.max(7, ...chapters.map((chapter) => chapter.title.length)));
  }

  header(): void {
    this.print(this.headerLine());
  }

  private headerLine(): string {
    return this.c.bold(`  #   ${'Chapter'.padEnd(this.titleWidth)}  Status`);
  }

  /** Records a chapter's result without printing. */
  set(run: ChapterRun, mark: RowMark = 'fresh'): void {
    this.statuses.set(run.chapter.number, classify(run, this.untouched?.has(run.chapter.slug) ?? false));
    this.marks.set(run.chapter.number, mark);
  }

  /** Marks a chapter whose tests are running now. */
  mark(chapter: Chapter, mark: RowMark): void {
    this.marks.set(chapter.number, mark);
  }

  /** Records a chapter's result and prints the rows that are now complete, in order. */
  add(run: ChapterRun): void {
    this.set(run);
    while (this.printed < this.chapters.length) {
      const chapter = this.chapters[this.printed]!;
      if (!this.statuses.has(chapter.number)) break;
      this.print(this.row(chapter));
      this.printed++;
    }
  }

  private row(chapter: Chapter): string {
    let title = chapter.title;
    if (title.length > this.titleWidth) title = `${title.slice(0, this.titleWidth - 1)}…`;
    const status = this.statuses.get(chapter.number);
    const mark = this.marks.get(chapter.number) ?? 'fresh';
    const text = status ? describeStatus(status, this.c) : this.c.dim('· …');
    const note = mark === 'running' ? this.c.yellow('  ⟳ running…') : mark === 'stale' ? this.c.dim('  (last run; files changed since)') : '';
    return `  ${chapter.number}  ${title.padEnd(this.titleWidth)}  ${text}${note}`;
  }

  /** The header and every row as they stand. */
  render(): string[] {
    return [this.headerLine(), ...this.chapters.map((chapter) => this.row(chapter))];
  }

  status(chapter: Chapter): ChapterStatus | undefined {
    return this.statuses.get(chapter.number);
  }

  /** Whether every chapter's row holds a result that matches the files now. */
  settled(): boolean {
    return this.chapters.every((chapter) => this.statuses.has(chapter.number) && (this.marks.get(chapter.number) ?? 'fresh') === 'fresh');
  }

  /** The first chapter with tests that does not pass yet. */
  next(): Chapter | undefined {
    return this.chapters.find((chapter) => {
      const status = this.statuses.get(chapter.number);
      return status !== undefined && status.kind !== 'passed' && status.kind !== 'no-tests';
    });
  }

  summary(): string {
    const done = this.chapters.filter((chapter) => this.statuses.get(chapter.number)?.kind === 'passed').length;
    const next = this.next();
    const head = `${done} of ${this.chapters.length} done`;
    if (next) return `${head}, next: ${next.number} ${next.title}`;
    const tested = this.chapters.filter((chapter) => this.statuses.get(chapter.number)?.kind !== 'no-tests').length;
    if (tested === 0) return `${head}: no chapter has tests yet.`;
    return done === this.chapters.length ? `${head}. Well done!` : `${head}. Every chapter with tests passes.`;
  }
}
