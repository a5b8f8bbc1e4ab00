/**
 * Runs chapters' tests through one long-lived vitest instance (vitest's Node API).
 *
 * One instance serves the whole runner process: the status table runs every chapter's test files in
 * a single run, and watch mode reruns one chapter's files after invalidating the saved module, which
 * costs a few hundred milliseconds instead of a fresh vitest start. Results are read from vitest's
 * reported entities (TestModule, TestCase), never from text output; vitest's own console output is
 * discarded.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestError, UserConsoleLog } from 'vitest';
import type { TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node';
import { chapterOfTest, type Chapter } from './chapters.ts';

export type { TestError };

/** One test's result. */
export interface TestOutcome {
  /** Test file + full name: stable across runs. */
  readonly key: string;
  /** The test file, relative to the root. */
  readonly file: string;
  /** `describe` names and the test name joined with ` › `. */
  readonly name: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly errors: readonly TestError[];
  /** What the test printed (console.log in the learner's code). */
  readonly logs: readonly string[];
}

/** One chapter's results from one run. */
export interface ChapterRun {
  readonly chapter: Chapter;
  /** Its test files, relative to the root. */
  readonly files: readonly string[];
  readonly tests: readonly TestOutcome[];
  /** Errors outside any test: a test file that cannot load (syntax error, missing export), a failing hook. */
  readonly fileErrors: readonly { readonly file: string; readonly error: TestError }[];
}

export interface RunOptions {
  /** Called for each chapter as soon as all its test files have finished. */
  readonly onChapter?: (run: ChapterRun) => void;
}

/** Results of a run, per chapter number, plus errors vitest could not attach to a test. */
export interface RunResult {
  readonly chapters: Map<string, ChapterRun>;
  readonly unhandledErrors: readonly TestError[];
}

/**
 * Booted worker processes kept waiting (tools/runner/warm-pool.ts). Two cover a chapter whose tests
 * are in several files without holding much memory (a waiting process is about 50 MB).
 */
const SPARE_WORKERS = 2;

export class TestSession {
  private readonly logs = new Map<string, string[]>();
  private moduleEndListener: ((module: TestModule) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly root: string,
    private readonly vitest: Vitest,
    private readonly warmPool: typeof import('./warm-pool.ts'),
  ) {}

  /**
   * Starts vitest on the repository at `root`, against `impl` (`chapters` for the learner's code).
   * WORKBOOK_IMPL is read by vitest.config.ts when the config loads, so it is set first.
   */
  static async open(root: string, impl = 'chapters'): Promise<TestSession> {
    process.env.WORKBOOK_IMPL = impl;
    // The same property-test inputs for the runner's whole life (test/setup/fast-check.ts).
    process.env.WORKBOOK_FC_SEED ??= String(crypto.randomInt(2 ** 31));
    // Loaded here, not at the top: vitest's Node API takes seconds to load on a busy machine, and the
    // status table from kept results needs none of it.
    const { createVitest } = await import('vitest/node');
    const warmPool = await import('./warm-pool.ts');
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
    let session: TestSession | undefined;
    const vitest = await createVitest(
      'test',
      {
        root,
        config: path.join(root, 'vitest.config.ts'),
        watch: false,
        // Test files share a process and what it loaded (tools/runner/warm-pool.ts keeps processes
        // between runs, and has them evaluate afresh what a save changed).
        isolate: false,
        // Chapter tests mostly wait on sockets and timers, not the CPU: more workers than vitest's
        // default (one core left idle) make the status table come sooner.
        maxWorkers: Math.max(4, os.availableParallelism()),
        reporters: [
          {
            onTestModuleEnd: (module) => session?.moduleEndListener?.(module),
            onUserConsoleLog: (log: UserConsoleLog) => session?.recordLog(log),
          },
        ],
      },
      // A pool object is only taken from the Vite config, not from the inline options.
      { test: { pool: warmPool.warmForksPool(SPARE_WORKERS) } },
      { stdout: discard, stderr: discard },
    );
    session = new TestSession(root, vitest, warmPool);
    warmPool.useImporters((files) => session!.withImporters(files));
    return session;
  }

  private recordLog(log: UserConsoleLog): void {
    if (log.taskId === undefined) return;
    const list = this.logs.get(log.taskId) ?? [];
    list.push(log.content.replace(/\n$/, ''));
    this.logs.set(log.taskId, list);
  }

  /** Makes the next run read a changed file from disk. */
  invalidate(file: string): void {
    const resolved = path.resolve(file);
    this.vitest.invalidateFile(resolved);
    this.warmPool.noteSaved(resolved);
  }

  /**
   * Runs the tests of the given chapters in one vitest run. Runs are queued: a run asked for while
   * another is going starts when it ends.
   */
  run(chapters: readonly Chapter[], options: RunOptions = {}): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(chapters, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(chapters: readonly Chapter[], options: RunOptions): Promise<RunResult> {
    const specs = await this.vitest.globTestSpecifications();
    const byChapter = new Map<string, TestSpecification[]>();
    for (const chapter of chapters) byChapter.set(chapter.number, []);
    for (const spec of specs) {
      const chapter = chapterOfTest(chapters, this.relative(spec.moduleId));
      if (chapter) byChapter.get(chapter.number)!.push(spec);
    }
    const finished = new Map<string, TestModule>();
    const results = new Map<string, ChapterRun>();
    const emit = (chapter: Chapter, modules: readonly TestModule[]): void => {
      if (results.has(chapter.number)) return;
      const run = this.toChapterRun(chapter, byChapter.get(chapter.number)!, modules);
      results.set(chapter.number, run);
      options.onChapter?.(run);
    };
    // Chapters without test files are reported at once.
    for (const chapter of chapters) if (byChapter.get(chapter.number)!.length === 0) emit(chapter, []);
    this.logs.clear();
    this.moduleEndListener = (module) => {
      finished.set(module.moduleId, module);
      const chapter = chapterOfTest(chapters, this.relative(module.moduleId));
      if (!chapter) return;
      const own = byChapter.get(chapter.number)!;
      if (own.every((spec) => finished.has(spec.moduleId))) {
        emit(chapter, own.map((spec) => finished.get(spec.moduleId)!));
      }
    };
    const all = [...byChapter.values()].flat();
    let unhandledErrors: readonly TestError[] = [];
    try {
      if (all.length > 0) {
        const result = await this.vitest.runTestSpecifications(all);
        unhandledErrors = result.unhandledErrors as readonly TestError[];
        for (const module of result.testModules) if (!finished.has(module.moduleId)) finished.set(module.moduleId, module);
      }
    } finally {
      this.moduleEndListener = undefined;
    }
    for (const chapter of chapters) {
      const own = byChapter.get(chapter.number)!;
      emit(chapter, own.map((spec) => finished.get(spec.moduleId)).filter((m): m is TestModule => m !== undefined));
    }
    return { chapters: results, unhandledErrors };
  }

  /**
   * The given files and every module that imports one of them, directly or not, in the module
   * graph of the tests run so far: what a kept test process must evaluate afresh after those saves.
   */
  private withImporters(files: readonly string[]): string[] {
    const found = new Set<string>(files);
    for (const project of this.vitest.projects) {
      for (const environment of Object.values(project.vite.environments)) {
        const queue = files.flatMap((file) => [...(environment.moduleGraph.getModulesByFile(file) ?? [])]);
        const visited = new Set(queue);
        while (queue.length > 0) {
          const module = queue.pop()!;
          if (module.file) found.add(module.file);
          for (const importer of module.importers) {
            if (!visited.has(importer)) {
              visited.add(importer);
              queue.push(importer);
            }
          }
        }
      }
    }
    return [...found];
  }

  private relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  private toChapterRun(chapter: Chapter, specs: readonly TestSpecification[], modules: readonly TestModule[]): ChapterRun {
    const tests: TestOutcome[] = [];
    const fileErrors: { file: string; error: TestError }[] = [];
    for (const module of modules) {
      const file = this.relative(module.moduleId);
      for (const error of module.errors()) fileErrors.push({ file, error: error as TestError });
      for (const suite of module.children.allSuites()) {
        for (const error of suite.errors()) fileErrors.push({ file, error: error as TestError });
      }
      for (const test of module.children.allTests()) tests.push(this.toOutcome(file, test));
    }
    return { chapter, files: specs.map((spec) => this.relative(spec.moduleId)), tests, fileErrors };
  }

  private toOutcome(file: string, test: TestCase): TestOutcome {
    const result = test.result();
    const names: string[] = [];
    for (let node: TestCase['parent'] | TestCase = test; node.type !== 'module'; node = node.parent) names.unshift(node.name);
    const name = names.join(' › ');
    return {
      key: `${file}::${name}`,
      file,
      name,
      state: result.state,
      errors: result.state === 'failed' ? result.errors : [],
      logs: this.logs.get(test.id) ?? [],
    };
  }

  async close(): Promise<void> {
    this.warmPool.stopSpares();
    await this.vitest.close();
  }
}
