/**
 * Measures watch mode's latency: from a file saved under chapters/ to the new result printed.
 *
 *   npx tsx tools/runner/measure-watch.ts            # three tiny chapters in a scratch copy
 *   npx tsx tools/runner/measure-watch.ts --real     # a scratch copy of the real chapters and tests
 *   npx tsx tools/runner/measure-watch.ts --real --chapter 4   # chapters 01–03 filled with the reference
 *   npx tsx tools/runner/measure-watch.ts --saves 10
 *   npx tsx tools/runner/measure-watch.ts --real --chapter 5 --busy 2   # with two busy processes beside it
 *
 * It drives the same startWatch() that `npm start` runs, in a scratch copy of the repository (the
 * working tree is never touched): waits for the first report, then saves the current chapter's first
 * file again and again (its content plus a changing comment, so the results stay the same) and times
 * each save until the report is printed. Prints every sample, the median, the 90th percentile and
 * the worst. `--busy N` first starts N processes that spin on the CPU (a browser, a video call and an
 * editor on a learner's laptop), and stops them at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findChapter, listChapters, listTsFiles } from './chapters.ts';
import { referenceFiles } from './files.ts';
import { makeColors } from './format.ts';
import { makeScratchCopy, removeScratchCopy } from './scratch.ts';
import { StatusTable } from './status.ts';
import { TestSession, type ChapterRun } from './tests.ts';
import { startWatch } from './watch.ts';

const args = process.argv.slice(2);
const real = args.includes('--real');
const verbose = args.includes('--verbose');
const savesIndex = args.indexOf('--saves');
const saves = savesIndex >= 0 ? Number(args[savesIndex + 1]) : 7;
const chapterIndex = args.indexOf('--chapter');
const chapterArg = chapterIndex >= 0 ? args[chapterIndex + 1] : undefined;
const busyIndex = args.indexOf('--busy');
const busy = busyIndex >= 0 ? Number(args[busyIndex + 1]) : 0;
/** The bar: the median and the 90th percentile of save → result. */
const MEDIAN_LIMIT_MS = 1000;
const P90_LIMIT_MS = 2000;

const spinners: ChildProcess[] = [];
for (let i = 0; i < busy; i++) spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopSpinners = (): void => {
  for (const child of spinners) child.kill('SIGKILL');
};
process.once('exit', stopSpinners);

const root = makeScratchCopy({ fake: !real });
const c = makeColors(false);
let session: TestSession | undefined;
try {
  const chapters = listChapters(root);
  const wanted = chapterArg === undefined ? undefined : findChapter(chapters, chapterArg);
  if (chapterArg !== undefined && !wanted) throw new Error(`no chapter ${chapterArg}`);
  if (wanted) {
    // As after `npm start -- catch-up N`: every earlier chapter holds the reference.
    for (const earlier of chapters.filter((chapter) => chapter.number < wanted.number)) {
      for (const change of referenceFiles(root, earlier)) fs.writeFileSync(path.join(root, change.file), change.content);
    }
  }
  session = await TestSession.open(root, 'chapters');
  const table = new StatusTable(chapters, () => undefined, c, undefined);
  // With a chapter named, only its tests run first; otherwise all, to find the next unfinished one.
  const status = await session.run(wanted ? [wanted] : chapters, { onChapter: (run) => table.add(run) });
  const start = wanted ?? table.next() ?? chapters[chapters.length - 1];
  if (!start) throw new Error('no chapter with tests to watch');
  const target = path.join(root, 'chapters', start.slug, listTsFiles(path.join(root, 'chapters', start.slug))[0]!);
  const original = fs.readFileSync(target, 'utf8');

  let waiting: ((run: ChapterRun) => void) | undefined;
  const handle = startWatch({
    root,
    session,
    chapters,
    start,
    initial: status.chapters.get(start.number),
    print: (text) => {
      if (verbose) process.stdout.write(`${text}\n`);
    },
    colors: c,
    color: false,
    onReport: (run) => waiting?.(run),
  });
  await handle.ready;
  console.log(`watching chapter ${start.number} (${start.title}), ${status.chapters.get(start.number)!.tests.length} tests; saving ${path.relative(root, target)}`);

  const samples: number[] = [];
  for (let i = 1; i <= saves; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reported = new Promise<ChapterRun>((resolve) => (waiting = resolve));
    const started = performance.now();
    fs.writeFileSync(target, `${original}\n// save ${i}\n`);
    await reported;
    const ms = performance.now() - started;
    samples.push(ms);
    console.log(`  save ${i}: ${ms.toFixed(0)} ms`);
  }
  await handle.stop();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const median = at(0.5);
  const p90 = at(0.9);
  const worst = sorted[sorted.length - 1]!;
  const ok = median < MEDIAN_LIMIT_MS && p90 < P90_LIMIT_MS;
  const load = busy > 0 ? `, ${busy} busy process${busy === 1 ? '' : 'es'} beside it` : '';
  console.log(
    `save → result, chapter ${start.number}${load}: median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms, worst ${worst.toFixed(0)} ms ` +
      `over ${samples.length} saves (bar: median < ${MEDIAN_LIMIT_MS} ms, p90 < ${P90_LIMIT_MS} ms): ${ok ? 'ok' : 'TOO SLOW'}`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  stopSpinners();
  await session?.close();
  removeScratchCopy(root);
}
