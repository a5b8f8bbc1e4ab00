/**
 * `npm test`: the workbook's own checks, in the order that fails fastest.
 *
 * 1. The type check of core, solutions, server, tests and tools.
 * 2. Every committed starter matches what the solutions generate.
 * 3. Imports run one way, with no cycles (tools/check-layers.ts).
 * 4. Every RFC section cited exists (tools/check-citations.ts).
 * 5. The starters type-check as a tree of their own.
 * 6. Every test against solutions/ (the chapters' tests, the sans-I/O connection's, the tooling's).
 * 7. The proof that the workbook is cumulative and that every chapter is an exercise: for each
 *    chapter N, in a scratch tree holding the solutions of chapters 1..N-1 and the starters of
 *    N.. , chapter N's tests FAIL; with chapter N's solution added (later chapters still starters),
 *    they PASS.
 *
 * A failed check that is not a test (the type check, stale starters …) counts as one failure in the
 * closing `N passed, M failed` line, and the line before it names it.
 *
 * Flags: --skip-proof (steps 1–6 only), --only-proof, --chapter NN (prove one chapter).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chapterTests, listChapters } from './runner/chapters.ts';
import { generateStarters, root, staleStarters } from './starters.ts';

const args = process.argv.slice(2);
const only = args.includes('--chapter') ? args[args.indexOf('--chapter') + 1]!.padStart(2, '0') : null;
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const scratch = path.join(root, '.tmp', 'proof');

interface VitestSummary {
  passed: number;
  failed: number;
  total: number;
  ok: boolean;
  /** First failure messages, for the report. */
  messages: string[];
}

/** Runs vitest on `files` against the tree `impl`; resolves with what the JSON reporter said. */
function vitest(impl: string, files: string[], label: string): Promise<VitestSummary> {
  const out = path.join(scratch, `${label}.json`);
  return new Promise((resolve) => {
    const child = spawn(bin('vitest'), ['run', ...files, '--reporter=json', `--outputFile=${out}`], {
      cwd: root,
      env: { ...process.env, WORKBOOK_IMPL: impl, FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      try {
        const report = JSON.parse(fs.readFileSync(out, 'utf8'));
        const messages: string[] = [];
        for (const file of report.testResults ?? []) {
          if (file.status === 'failed' && file.message) messages.push(file.message);
          for (const test of file.assertionResults ?? []) {
            if (test.status === 'failed') messages.push(`${test.fullName}: ${test.failureMessages?.[0] ?? ''}`);
          }
        }
        resolve({
          passed: report.numPassedTests,
          // A file that fails to load counts as one failure even though no test in it ran.
          failed: report.numFailedTests || (report.success ? 0 : 1),
          total: report.numTotalTests,
          ok: code === 0 && report.success,
          messages,
        });
      } catch {
        resolve({ passed: 0, failed: 1, total: 0, ok: false, messages: [`vitest produced no report (exit ${code})\n${stderr.slice(-2000)}`] });
      }
    });
  });
}

function step(title: string): void {
  console.log(`\n▶ ${title}`);
}

/**
 * A scratch tree: every starter, then the solutions of the chapters numbered ≤ `solvedUpTo`. It
 * sits two levels below the root, as chapters/ and solutions/ sit one level below it; the link
 * `.tmp/proof/core` makes the chapters' `../../core/` imports find the one core.
 */
export function buildTree(dir: string, solvedUpTo: number, starters: Map<string, string>): void {
  const core = path.join(path.dirname(dir), 'core');
  if (!fs.existsSync(core)) fs.symlinkSync(path.join(root, 'core'), core, 'dir');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [file, content] of starters) {
    const target = path.join(dir, file.replace(/^chapters\//, ''));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  for (const chapter of listChapters(root)) {
    if (Number(chapter.number) > solvedUpTo) continue;
    fs.cpSync(path.join(root, 'solutions', chapter.slug), path.join(dir, chapter.slug), { recursive: true });
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(scratch, { recursive: true });
  const failures: string[] = [];
  let passedTests = 0;
  let failedTests = 0;
  const onlyProof = args.includes('--only-proof');

  if (!onlyProof) {
    step('type check (tsc --noEmit)');
    const tsc = spawnSync(bin('tsc'), ['--noEmit', '-p', root], { stdio: 'inherit' });
    if (tsc.status !== 0) failures.push('type check');

    step('starters are generated from the solutions');
    const stale = staleStarters();
    if (stale.length > 0) {
      console.log(`out of date (run \`npm run starters\`): ${stale.join(', ')}`);
      failures.push('stale starters');
    } else console.log('every starter matches its solution');

    step('imports run one way (tools/check-layers.ts)');
    if (spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'tools/check-layers.ts')], { stdio: 'inherit' }).status !== 0) {
      failures.push('layer check');
    }

    step('every RFC section cited exists (tools/check-citations.ts)');
    if (spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'tools/check-citations.ts')], { stdio: 'inherit' }).status !== 0) {
      failures.push('citation check');
    }
  }

  const starters = generateStarters();
  const chapters = listChapters(root)
    .map((chapter) => ({ ...chapter, tests: chapterTests(root, chapter) }))
    .filter((chapter) => chapter.tests.length > 0);

  if (!onlyProof) {
    step('the starters type-check');
    const tree = path.join(scratch, 'starters');
    buildTree(tree, 0, starters);
    fs.writeFileSync(
      path.join(scratch, 'tsconfig.starters.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { baseUrl: '../..' }, include: ['starters'], exclude: [] }),
    );
    const tsc = spawnSync(bin('tsc'), ['--noEmit', '-p', path.join(scratch, 'tsconfig.starters.json')], { stdio: 'inherit' });
    if (tsc.status !== 0) failures.push('starters type check');
    else console.log('ok');

    step('every test against solutions/');
    const all = await vitest('solutions', [], 'solutions');
    passedTests += all.passed;
    failedTests += all.failed;
    console.log(`${all.passed} passed, ${all.failed} failed (of ${all.total})`);
    if (!all.ok) {
      failures.push('tests against solutions/');
      for (const message of all.messages.slice(0, 10)) console.log(`  ✗ ${message.split('\n').slice(0, 6).join('\n    ')}`);
    }
  }

  if (!args.includes('--skip-proof')) {
    step('proof: each chapter fails on its starter and passes on its solution (later chapters untouched)');
    for (const chapter of chapters) {
      if (only !== null && chapter.number !== only) continue;
      const n = Number(chapter.number);
      const before = path.join(scratch, `upto-${n - 1}`);
      const after = path.join(scratch, `upto-${n}`);
      buildTree(before, n - 1, starters);
      buildTree(after, n, starters);
      const [starter, solved] = await Promise.all([
        vitest(before, chapter.tests, `${chapter.number}-starter`),
        vitest(after, chapter.tests, `${chapter.number}-solved`),
      ]);
      // Without the run against solutions/, the solved runs are what the closing count reports.
      if (onlyProof) passedTests += solved.passed;
      const failsFirst = starter.failed > 0 && !starter.ok;
      const passesSolved = solved.ok && solved.failed === 0 && solved.total > 0;
      const mark = failsFirst && passesSolved ? '✓' : '✗';
      console.log(
        `${mark} ${chapter.slug}: starter fails ${starter.failed} of ${starter.total}; ` +
          `solved passes ${solved.passed} of ${solved.total}`,
      );
      if (!failsFirst) failures.push(`${chapter.slug}: its tests pass on the untouched starter`);
      if (!passesSolved) {
        failures.push(`${chapter.slug}: its tests fail with chapters 1..${chapter.number} solved and later ones untouched`);
        for (const message of solved.messages.slice(0, 5)) console.log(`    ${message.split('\n').slice(0, 6).join('\n    ')}`);
      }
    }
  }

  console.log('');
  if (failures.length > 0) {
    // Each failed check counts once; the failing tests against solutions/ are already counted.
    const checks = failures.filter((failure) => !failure.startsWith('tests against'));
    console.log(`npm test failed: ${failures.join('; ')}`);
    if (checks.length > 0) console.log(`${checks.length} failed check(s), each counted as one failure below: ${checks.join('; ')}`);
    console.log(`${passedTests} passed, ${Math.max(failedTests + checks.length, 1)} failed`);
    process.exit(1);
  }
  console.log(`${passedTests} passed, 0 failed`);
}

// Imported (for buildTree) it does nothing; run, it is `npm test`.
if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) await main();
