/**
 * The last results per chapter, in `.workbook/results.json` (git-ignored), so the status table can
 * be shown before any test runs.
 *
 * A chapter's entry is keyed by what decides its results: the contents of its test files and of every
 * file they import, followed through relative imports and `@impl/…` (which, for the learner, is
 * chapters/), plus the test configuration and the lockfile. An entry whose key still matches is the
 * result the tests would give now; one whose key differs is shown as it was, marked, until the run
 * that refreshes it ends. Packages under node_modules are covered by the lockfile.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chapterTests, type Chapter } from './chapters.ts';
import type { ChapterRun, RunResult, TestSession } from './tests.ts';

const FORMAT = 1;

/** Files whose change changes every chapter's results. */
const SHARED_INPUTS = ['vitest.config.ts', 'package-lock.json', 'tsconfig.json'];

interface StoredRun {
  readonly key: string;
  /** When the run ended, ms since the epoch. */
  readonly at: number;
  readonly run: Omit<ChapterRun, 'chapter'>;
}

interface Store {
  readonly format: number;
  readonly chapters: Record<string, StoredRun>;
}

export interface CachedResult {
  readonly run: ChapterRun;
  /** Whether the chapter's inputs are unchanged since that run. */
  readonly fresh: boolean;
  readonly at: number;
}

// Import specifiers: `from '…'`, a bare `import '…'` and `import('…')`.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"\n]+)['"]/g;

/** The files a module imports, resolved (relative and `@impl/` only), that exist. */
function importsOf(file: string, text: string, implDir: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1]!;
    let target: string;
    if (specifier.startsWith('.')) target = path.resolve(path.dirname(file), specifier);
    else if (specifier.startsWith('@impl/')) target = path.join(implDir, specifier.slice('@impl/'.length));
    else continue;
    for (const candidate of [target, `${target}.ts`, path.join(target, 'index.ts')]) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

/** The key of a chapter's results: a hash over every input, in a stable order. */
export function chapterKey(root: string, chapter: Chapter, implDir = path.join(root, 'chapters')): string {
  const seen = new Map<string, string>();
  const pending = chapterTests(root, chapter).map((file) => path.join(root, file));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    seen.set(file, text);
    if (/\.[cm]?[jt]s$/.test(file)) pending.push(...importsOf(file, text, implDir));
  }
  const hash = crypto.createHash('sha256');
  hash.update(`format ${FORMAT}\n`);
  for (const rel of SHARED_INPUTS) {
    try {
      hash.update(`${rel}\n${fs.readFileSync(path.join(root, rel))}\n`);
    } catch {
      hash.update(`${rel} (none)\n`);
    }
  }
  for (const file of [...seen.keys()].sort()) hash.update(`${path.relative(root, file)}\n${seen.get(file)}\n`);
  return hash.digest('hex');
}

export function resultsPath(root: string): string {
  return path.join(root, '.workbook', 'results.json');
}

function readStore(root: string): Store {
  try {
    const parsed = JSON.parse(fs.readFileSync(resultsPath(root), 'utf8')) as Store;
    if (parsed.format === FORMAT && typeof parsed.chapters === 'object' && parsed.chapters !== null) return parsed;
  } catch {
    // Missing or unreadable: no results kept yet.
  }
  return { format: FORMAT, chapters: {} };
}

/** The kept result of every chapter that has one, with whether it is still fresh. */
export function readResults(root: string, chapters: readonly Chapter[], keys: ReadonlyMap<string, string>): Map<string, CachedResult> {
  const store = readStore(root);
  const results = new Map<string, CachedResult>();
  for (const chapter of chapters) {
    const stored = store.chapters[chapter.number];
    if (!stored || !Array.isArray(stored.run?.tests)) continue;
    results.set(chapter.number, { run: { ...stored.run, chapter }, fresh: stored.key === keys.get(chapter.number), at: stored.at });
  }
  return results;
}

/**
 * Keeps a chapter's results under the key its inputs had when the run started (a file saved during
 * the run then makes the entry stale, as it should).
 */
export function writeResult(root: string, run: ChapterRun, key: string): void {
  const store = readStore(root);
  const { chapter, ...rest } = run;
  const chaptersStored = { ...store.chapters, [chapter.number]: { key, at: Date.now(), run: rest } };
  const file = resultsPath(root);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written whole and renamed, so a runner stopped mid-write leaves the previous results.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ format: FORMAT, chapters: chaptersStored } satisfies Store));
    fs.renameSync(temporary, file);
  } catch {
    // Keeping results only saves time; a read-only tree still gets correct results.
  }
}

/** Every chapter's key, by chapter number. */
export function chapterKeys(root: string, chapters: readonly Chapter[]): Map<string, string> {
  return new Map(chapters.map((chapter) => [chapter.number, chapterKey(root, chapter)]));
}

/**
 * Told after every run with its results and how long it took (the classroom link). Called once the
 * results are in and never awaited: whatever a listener does, the run's caller gets its result first.
 */
export const runListeners = new Set<(result: RunResult, ms: number) => void>();

/** Runs chapters' tests and keeps each chapter's results as soon as they are in. */
export function runAndKeep(
  session: TestSession,
  root: string,
  chapters: readonly Chapter[],
  onChapter?: (run: ChapterRun) => void,
): Promise<RunResult> {
  const run = keepRun(session, root, chapters, onChapter);
  if (runListeners.size === 0) return run;
  const started = performance.now();
  void run.then((result) => {
    const ms = performance.now() - started;
    // After the caller's own continuation: the learner's report is printed before anything is sent.
    setImmediate(() => {
      for (const listener of runListeners) {
        try {
          listener(result, ms);
        } catch {
          // A listener's failure is its own; the runner goes on.
        }
      }
    });
  }, () => undefined);
  return run;
}

function keepRun(
  session: TestSession,
  root: string,
  chapters: readonly Chapter[],
  onChapter?: (run: ChapterRun) => void,
): Promise<RunResult> {
  const keys = chapterKeys(root, chapters);
  return session.run(chapters, {
    onChapter: (run) => {
      writeResult(root, run, keys.get(run.chapter.number)!);
      onChapter?.(run);
    },
  });
}
