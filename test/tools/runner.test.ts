/**
 * The workbook runner (`npm start`), run as the learner runs it, in scratch copies of the repository
 * holding three tiny chapters (01 `add`: 2 tests, 02 `double` + `triple`: 3 tests, 03 `greet`: 1 test).
 * Output goes to a pipe, so every run here is the non-terminal case: no colours, no prompts.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeScratchCopy, removeScratchCopy, repoRoot } from '../../tools/runner/scratch.ts';

const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const copies: string[] = [];

afterAll(() => {
  for (const dir of copies) removeScratchCopy(dir);
});

function scratch(): string {
  const dir = makeScratchCopy({ fake: true });
  copies.push(dir);
  return dir;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'WORKBOOK_IMPL', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST', 'NODE_ENV']) delete env[name];
  return env;
}

/** Runs `npm start -- args` in dir with output to pipes. */
function runner(dir: string, args: string[], timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['tools/runner/main.ts', ...args], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start -- ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function copySolution(dir: string, slug: string, file: string): void {
  fs.copyFileSync(path.join(dir, 'solutions', slug, file), path.join(dir, 'chapters', slug, file));
}

const HALF_BETA = `/** Twice n. */\nexport function double(n: number): number {\n  return n * 2;\n}\n\n/** Three times n. */\nexport function triple(n: number): number {\n  return n * 2;\n}\n`;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

describe.concurrent('status (no command, no terminal)', () => {
  it('on a fresh copy: nothing done, next is 01, no colours', async () => {
    const dir = scratch();
    const { code, stdout } = await runner(dir, []);
    expect(code).toBe(0);
    expect(stdout).toMatch(/01\s+Alpha: adding\s+· not started/);
    expect(stdout).toMatch(/02\s+Beta: multiplying\s+· not started/);
    expect(stdout).toContain('0 of 3 done, next: 01 Alpha: adding');
    expect(stdout).not.toMatch(ANSI);
  }, 30_000);

  it('after a solved chapter and a half-solved one: passed, failing n of m', async () => {
    const dir = scratch();
    copySolution(dir, '01-alpha', 'alpha.ts');
    fs.writeFileSync(path.join(dir, 'chapters/02-beta/beta.ts'), HALF_BETA);
    const { code, stdout } = await runner(dir, ['status']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/01\s+Alpha: adding\s+✓ passed \(2 tests\)/);
    expect(stdout).toMatch(/02\s+Beta: multiplying\s+✗ failing 1 of 3 tests/);
    expect(stdout).toMatch(/03\s+Gamma: greeting\s+· not started/);
    expect(stdout).toContain('1 of 3 done, next: 02 Beta: multiplying');
    expect(stdout).not.toMatch(ANSI);
  }, 30_000);
});

describe('kept results', () => {
  it('a second status shows the table without running a test; a changed chapter is rerun and marked until then', async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'chapters/02-beta/beta.ts'), HALF_BETA);
    const first = await runner(dir, ['status']);
    expect(first.stdout).toContain('Running the tests of 3 chapters');
    expect(fs.existsSync(path.join(dir, '.workbook/results.json'))).toBe(true);

    const second = await runner(dir, ['status']);
    expect(second.code).toBe(0);
    expect(second.stdout, 'nothing changed: the kept results are the results').not.toContain('Running the tests');
    expect(second.stdout).toMatch(/02\s+Beta: multiplying\s+✗ failing 1 of 3 tests/);
    expect(second.stdout).toContain('0 of 3 done, next: 01 Alpha: adding');

    copySolution(dir, '02-beta', 'beta.ts');
    const third = await runner(dir, ['status']);
    expect(third.stdout).toContain('Kept from the last run (1 chapter changed since, rerunning them)');
    expect(third.stdout).toMatch(/02\s+Beta: multiplying\s+✗ failing 1 of 3 tests\s+\(last run; files changed since\)/);
    expect(third.stdout).toContain('Running the tests of 1 chapter against chapters/');
    expect(third.stdout).toMatch(/02\s+Beta: multiplying\s+✓ passed \(3 tests\)\n/);
  }, 60_000);
});

describe.concurrent('check N', () => {
  const dir = scratch();
  copySolution(dir, '01-alpha', 'alpha.ts');
  fs.writeFileSync(path.join(dir, 'chapters/02-beta/beta.ts'), HALF_BETA);
  fs.writeFileSync(
    path.join(dir, 'chapters/03-gamma/gamma.ts'),
    `/** A greeting for name. */\nexport function greet(name: string): string {\n  const parts = name.split(' ');\n  return parts[3]!.toUpperCase();\n}\n`,
  );

  it('exits 0 when the chapter passes', async () => {
    const { code, stdout } = await runner(dir, ['check', '1']);
    expect(code).toBe(0);
    expect(stdout).toContain('✓ Chapter 01 passes: all 2 tests pass.');
  }, 30_000);

  it('exits 1 and shows the message verbatim, without library frames', async () => {
    const { code, stdout } = await runner(dir, ['check', '02']);
    expect(code).toBe(1);
    expect(stdout).toContain('✓ double › doubles 2');
    expect(stdout).toContain('✗ triple › triples 2');
    expect(stdout).toContain('sent: 2\n');
    expect(stdout).toContain('expected: 6 (RFC 6455 §5.2)');
    expect(stdout).toContain('at test/02-beta.test.ts:');
    expect(stdout).not.toMatch(/node_modules|node:internal|@vitest/);
    expect(stdout).toContain('failing 1 of 3 tests');
    expect(stdout).not.toMatch(ANSI);
  }, 30_000);

  it("shows a code frame when the error is in the learner's file", async () => {
    const { code, stdout } = await runner(dir, ['check', '03-gamma']);
    expect(code).toBe(1);
    expect(stdout).toContain("TypeError: Cannot read properties of undefined (reading 'toUpperCase')");
    expect(stdout).toContain('at greet (chapters/03-gamma/gamma.ts:4:');
    expect(stdout).toMatch(/> 4 \|\s+return parts\[3\]!\.toUpperCase\(\);/);
  }, 30_000);

  it("groups a starter's TODOs under their message", async () => {
    const fresh = scratch();
    const { code, stdout } = await runner(fresh, ['check', '2']);
    expect(code).toBe(1);
    expect(stdout).toContain('TODO (2 tests)');
    expect(stdout).toContain('NotImplementedError: Chapter 02: implement double: twice n (chapters/02-beta/beta.ts)');
    expect(stdout).toContain('at double (chapters/02-beta/beta.ts:5)');
  }, 30_000);

  it('exits 2 on an unknown chapter, naming the valid ones', async () => {
    const { code, stderr } = await runner(dir, ['check', '9']);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown chapter "9". Chapters: 01, 02, 03.');
  }, 30_000);
});

describe('hint N', () => {
  it('shows one more hint each time and remembers it in .workbook/state.json', async () => {
    const dir = scratch();
    const first = await runner(dir, ['hint', '2']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('hint 1 of 3 — a nudge');
    const second = await runner(dir, ['hint', '2']);
    expect(second.stdout).toContain('hint 2 of 3 — see RFC 6455 §1.3');
    expect(second.stdout).not.toContain('hint 1 of 3');
    const all = await runner(dir, ['hint', '2', '--all']);
    expect(all.stdout).toContain('hint 1 of 3');
    expect(all.stdout).toContain('hint 2 of 3');
    expect(all.stdout).not.toContain('hint 3 of 3');
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.workbook/state.json'), 'utf8'))).toEqual({ hints: { '02': 2 } });
  }, 30_000);
});

describe('solution N', () => {
  it('unlocks when the tests pass; --force shows the diff before', async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'chapters/02-beta/beta.ts'), HALF_BETA);
    const locked = await runner(dir, ['solution', '2']);
    expect(locked.code).toBe(1);
    expect(locked.stdout).toContain('unlocks when its tests pass');
    const forced = await runner(dir, ['solution', '2', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('--- chapters/02-beta/beta.ts');
    expect(forced.stdout).toContain('+++ solutions/02-beta/beta.ts');
    expect(forced.stdout).toContain('-  return n * 2;');
    expect(forced.stdout).toContain('+  return n * 3;');
    expect(forced.stdout).not.toMatch(ANSI);
  }, 30_000);
});

describe('reset N and catch-up N', () => {
  const dir = scratch();
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=Workbook', '-c', 'user.email=workbook@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'starters');
  const beta = path.join(dir, 'chapters/02-beta/beta.ts');
  const starter = fs.readFileSync(beta, 'utf8');

  it('reset refuses without a terminal and without --yes', async () => {
    fs.writeFileSync(beta, HALF_BETA);
    const { code, stderr } = await runner(dir, ['reset', '2']);
    expect(code).toBe(1);
    expect(stderr).toContain('Add --yes to confirm');
    expect(fs.readFileSync(beta, 'utf8')).toBe(HALF_BETA);
  }, 30_000);

  it('reset --yes restores the committed starter and keeps a backup', async () => {
    fs.writeFileSync(beta, HALF_BETA);
    const { code, stdout } = await runner(dir, ['reset', '2', '--yes']);
    expect(code).toBe(0);
    expect(fs.readFileSync(beta, 'utf8')).toBe(starter);
    const backupDir = /saved in (\.workbook\/backups\/[^/\s]+)\//.exec(stdout)?.[1];
    expect(backupDir, stdout).toBeDefined();
    expect(fs.readFileSync(path.join(dir, backupDir!, 'chapters/02-beta/beta.ts'), 'utf8')).toBe(HALF_BETA);
    const again = await runner(dir, ['reset', '2', '--yes']);
    expect(again.stdout).toContain('already holds the starter');
  }, 30_000);

  it('catch-up refuses without --yes, then fills every earlier chapter with a backup', async () => {
    fs.writeFileSync(beta, HALF_BETA);
    const refused = await runner(dir, ['catch-up', '3']);
    expect(refused.code).toBe(1);
    expect(fs.readFileSync(beta, 'utf8')).toBe(HALF_BETA);
    const { code, stdout } = await runner(dir, ['catch-up', '3', '--yes']);
    expect(code).toBe(0);
    for (const [slug, file] of [['01-alpha', 'alpha.ts'], ['02-beta', 'beta.ts']] as const) {
      expect(fs.readFileSync(path.join(dir, 'chapters', slug, file), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'solutions', slug, file), 'utf8'));
    }
    const backupDir = /saved in (\.workbook\/backups\/[^/\s]+)\//.exec(stdout)?.[1];
    expect(fs.readFileSync(path.join(dir, backupDir!, 'chapters/02-beta/beta.ts'), 'utf8')).toBe(HALF_BETA);
    const status = await runner(dir, []);
    expect(status.stdout).toContain('2 of 3 done, next: 03 Gamma: greeting');
  }, 30_000);

  it('catch-up keeps a chapter that passes (the learner\'s own code); --all replaces it too', async () => {
    const own = `/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return b + a;\n}\n`;
    const alpha = path.join(dir, 'chapters/01-alpha/alpha.ts');
    fs.writeFileSync(alpha, own);
    fs.writeFileSync(beta, HALF_BETA);
    const { code, stdout } = await runner(dir, ['catch-up', '3', '--yes']);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('Chapter 01 passes already: kept as it is.');
    expect(fs.readFileSync(alpha, 'utf8')).toBe(own);
    expect(fs.readFileSync(beta, 'utf8')).toBe(fs.readFileSync(path.join(dir, 'solutions/02-beta/beta.ts'), 'utf8'));
    const all = await runner(dir, ['catch-up', '3', '--yes', '--all']);
    expect(all.code, all.stdout).toBe(0);
    expect(fs.readFileSync(alpha, 'utf8')).toBe(fs.readFileSync(path.join(dir, 'solutions/01-alpha/alpha.ts'), 'utf8'));
  }, 60_000);

  it('exit 2 for an unknown chapter', async () => {
    const { code, stderr } = await runner(dir, ['reset', '42', '--yes']);
    expect(code).toBe(2);
    expect(stderr).toContain('Chapters: 01, 02, 03.');
  }, 30_000);
});

describe('watch', () => {
  it('reruns on save, reports what changed, and moves on when the chapter passes', async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'chapters/02-beta/beta.ts'), HALF_BETA);
    const child = spawn(tsx, ['tools/runner/main.ts', 'watch', '2'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const waitFor = (text: string, timeoutMs = 15_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in:\n${stdout}`)), timeoutMs);
        const check = (): void => {
          if (stdout.includes(text)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor('keys: q quit · h next hint · r rerun');
      expect(stdout).toContain('1 of 3 tests failing');
      copySolution(dir, '02-beta', 'beta.ts');
      await waitFor('Next: chapter 03 · Gamma: greeting');
      expect(stdout, 'a run in progress is visible').toContain("⟳ running chapter 02's tests (saved chapters/02-beta/beta.ts) …");
      expect(stdout).toContain('✓ triple › triples 2');
      expect(stdout).toContain('✓ Chapter 02 passes: all 3 tests pass.');
      expect(stdout).toContain('npm start -- solution 02');
      expect(stdout).not.toMatch(ANSI);
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      await closed;
    }
  }, 40_000);
});

describe('watch: a saved module that the chapter imports', () => {
  it('every save is seen, in a module the tests reach only through the chapter', async () => {
    // The runner keeps its test processes between saves: a module imported by an imported module
    // must still be read afresh on every run.
    const dir = scratch();
    const factor = (n: number): string => `/** The factor for triple. */\nexport const FACTOR = ${n};\n`;
    fs.writeFileSync(path.join(dir, 'chapters/02-beta/factor.ts'), factor(2));
    fs.writeFileSync(
      path.join(dir, 'chapters/02-beta/beta.ts'),
      `import { FACTOR } from './factor.ts';\n\n/** Twice n. */\nexport function double(n: number): number {\n  return n * 2;\n}\n\n/** Three times n. */\nexport function triple(n: number): number {\n  return n * FACTOR;\n}\n`,
    );
    const child = spawn(tsx, ['tools/runner/main.ts', 'watch', '2'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const waitFor = async (text: string, count: number): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (stdout.split(text).length - 1 < count) {
        if (Date.now() > deadline) throw new Error(`no ${count}× "${text}" in:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await waitFor('keys: q quit · h next hint · r rerun', 1);
      expect(stdout).toContain('1 of 3 tests failing');
      expect(stdout).toContain('expected 4 to be 6');
      fs.writeFileSync(path.join(dir, 'chapters/02-beta/factor.ts'), factor(5));
      await waitFor('expected 10 to be 6', 1);
      fs.writeFileSync(path.join(dir, 'chapters/02-beta/factor.ts'), factor(3));
      await waitFor('Chapter 02 passes', 1);
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      await closed;
    }
  }, 60_000);
});

describe('watch: failures not yet shown', () => {
  it('a failure only named in one report is shown in full on the next, and "as before" only counts failures already shown', async () => {
    const dir = scratch();
    // A fourth chapter whose seven tests fail, each with its own message.
    const slug = '04-delta';
    fs.mkdirSync(path.join(dir, 'chapters', slug), { recursive: true });
    fs.mkdirSync(path.join(dir, 'solutions', slug), { recursive: true });
    fs.writeFileSync(path.join(dir, 'chapters', slug, 'README.md'), '# Delta: counting\n\nSome text.\n');
    fs.writeFileSync(path.join(dir, 'chapters', slug, 'delta.ts'), '/** n plus one. */\nexport function next(n: number): number {\n  return n;\n}\n');
    fs.writeFileSync(path.join(dir, 'solutions', slug, 'delta.ts'), '/** n plus one. */\nexport function next(n: number): number {\n  return n + 1;\n}\n');
    const cases = Array.from({ length: 7 }, (_, i) => `  it('counts from ${i}', () => {\n    expect(next(${i}), 'case ${i}: next(${i}) should be ${i + 1}').toBe(${i + 1});\n  });\n`);
    fs.writeFileSync(path.join(dir, 'test', `${slug}.test.ts`), `import { describe, expect, it } from 'vitest';\nimport { next } from '@impl/${slug}/delta.ts';\n\ndescribe('next', () => {\n${cases.join('')}});\n`);
    const child = spawn(tsx, ['tools/runner/main.ts', 'watch', '4'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const legend = 'keys: q quit · h next hint · r rerun';
    const waitForLegend = (count: number, timeoutMs = 20_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} reports in:\n${stdout}`)), timeoutMs);
        const check = (): void => {
          if (stdout.split(legend).length - 1 >= count) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', check);
        check();
      });
    const file = path.join(dir, 'chapters', slug, 'delta.ts');
    try {
      await waitForLegend(1);
      const first = stdout;
      const shownFirst = [0, 1, 2, 3, 4, 5, 6].filter((i) => first.includes(`case ${i}: next(${i}) should be ${i + 1}`));
      expect(shownFirst, first).toHaveLength(5);
      expect(first).toContain('… and 2 more failing:');
      fs.appendFileSync(file, '// a save that changes nothing\n');
      await waitForLegend(2);
      const second = stdout.slice(first.length);
      const shownSecond = [0, 1, 2, 3, 4, 5, 6].filter((i) => second.includes(`case ${i}: next(${i}) should be ${i + 1}`));
      expect(shownSecond, `the two failures only named before are shown now:\n${second}`).toEqual([0, 1, 2, 3, 4, 5, 6].filter((i) => !shownFirst.includes(i)));
      expect(second).not.toContain('(as before)');
      fs.appendFileSync(file, '// another one\n');
      await waitForLegend(3);
      const third = stdout.slice(first.length + second.length);
      expect(third, 'every failure has been shown: nothing new').toContain('no change');
      expect(third).toContain('7 of 7 tests failing (as before)');
    } finally {
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGINT');
      await closed;
    }
  }, 60_000);
});

const realChapterTests = fs.existsSync(path.join(repoRoot, 'test')) && fs.readdirSync(path.join(repoRoot, 'test')).some((name) => /^01-/.test(name));

describe.skipIf(!realChapterTests)('the real chapters', () => {
  it('status on the committed starters: nothing done, next is 01', async () => {
    const dir = makeScratchCopy();
    copies.push(dir);
    // Every chapter's tests run against its starter (about 20 s on a quiet 2-core machine).
    const { code, stdout } = await runner(dir, ['status'], 120_000);
    expect(code).toBe(0);
    expect(stdout).toMatch(/0 of \d+ done, next: 01 /);
  }, 120_000);
});
