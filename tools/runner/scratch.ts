/**
 * Scratch copies of the repository, for the runner's own tests and for measure-watch.ts.
 *
 * A scratch copy holds what the runner needs (core/, server/, chapters/, solutions/, test/, tools/, the configs) with
 * node_modules linked, so the runner can be started in it and its files changed freely. With
 * `fake: true` the real chapters and chapter tests are left out and three tiny chapters are written
 * instead: the runner's behaviour is then checked without depending on the real chapters' state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this file belongs to. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ScratchOptions {
  /** Leave out the real chapters and chapter tests; write the fake chapters below. */
  fake?: boolean;
  /** Where to create the copy (default: the OS temporary directory). */
  parent?: string;
}

const CHAPTER_DIR = /^\d\d-/;

/** Copies the repository into a new temporary directory and returns its path. */
export function makeScratchCopy(options: ScratchOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), 'workbook-runner-'));
  for (const file of ['vitest.config.ts', 'tsconfig.json', 'package.json', '.gitignore']) {
    if (fs.existsSync(path.join(repoRoot, file))) fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
  }
  // A chapter folder or a chapter's tests are left out of a fake copy; the tooling's tests too.
  const keep = (src: string): boolean => {
    const rel = path.relative(repoRoot, src).split(path.sep);
    if (rel[0] === 'tools' || rel[0] === 'solutions' || rel[0] === 'chapters') {
      return !(options.fake && rel.length > 1 && CHAPTER_DIR.test(rel[1]!));
    }
    if (rel[0] === 'test') {
      if (rel[1] === 'tools') return false;
      return !(options.fake && rel.length > 1 && CHAPTER_DIR.test(rel[1]!));
    }
    return true;
  };
  for (const top of ['core', 'server', 'chapters', 'solutions', 'test', 'tools']) {
    const src = path.join(repoRoot, top);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dir, top), { recursive: true, filter: keep });
    else fs.mkdirSync(path.join(dir, top), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (options.fake) writeFakeChapters(dir);
  return dir;
}

/** Removes a scratch copy (never the node_modules it links to). */
export function removeScratchCopy(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

function write(root: string, rel: string, text: string): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function readme(title: string, hints: string[]): string {
  const blocks = hints.map(
    (hint, i) => `<details><summary>Hint ${i + 1} — ${hint.split('\n')[0]}</summary>\n\n${hint}\n\n</details>`,
  );
  return `# ${title}\n\nSome text.\n\n## Hints\n\n${blocks.join('\n\n')}\n`;
}

/**
 * Three tiny chapters, each with a starter, a solution and tests:
 * 01 `add` (2 tests), 02 `double` + `triple` (3 tests), 03 `greet` (1 test).
 */
export function writeFakeChapters(root: string): void {
  const chapters = [
    {
      slug: '01-alpha',
      title: 'Alpha: adding',
      file: 'alpha.ts',
      solution: `/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n`,
      starter: `import { todo } from '../../core/errors.ts';\n\n/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return todo('chapters/01-alpha/alpha.ts', 'add: the sum of a and b');\n}\n`,
      test: `import { describe, expect, it } from 'vitest';\nimport { add } from '@impl/01-alpha/alpha.ts';\n\ndescribe('add', () => {\n  it('adds small numbers', () => {\n    expect(add(1, 2)).toBe(3);\n  });\n  it('adds negative numbers', () => {\n    expect(add(-1, -2)).toBe(-3);\n  });\n});\n`,
    },
    {
      slug: '02-beta',
      title: 'Beta: multiplying',
      file: 'beta.ts',
      solution: `/** Twice n. */\nexport function double(n: number): number {\n  return n * 2;\n}\n\n/** Three times n. */\nexport function triple(n: number): number {\n  return n * 3;\n}\n`,
      starter: `import { todo } from '../../core/errors.ts';\n\n/** Twice n. */\nexport function double(n: number): number {\n  return todo('chapters/02-beta/beta.ts', 'double: twice n');\n}\n\n/** Three times n. */\nexport function triple(n: number): number {\n  return todo('chapters/02-beta/beta.ts', 'triple: three times n');\n}\n`,
      test: `import { describe, expect, it } from 'vitest';\nimport { double, triple } from '@impl/02-beta/beta.ts';\n\ndescribe('double', () => {\n  it('doubles 2', () => {\n    expect(double(2)).toBe(4);\n  });\n  it('doubles 0', () => {\n    expect(double(0)).toBe(0);\n  });\n});\n\ndescribe('triple', () => {\n  it('triples 2', () => {\n    expect(triple(2), 'sent: 2\\nexpected: 6 (RFC 6455 §5.2)').toBe(6);\n  });\n});\n`,
    },
    {
      slug: '03-gamma',
      title: 'Gamma: greeting',
      file: 'gamma.ts',
      solution: `/** A greeting for name. */\nexport function greet(name: string): string {\n  return \`Hello, \${name}!\`;\n}\n`,
      starter: `import { todo } from '../../core/errors.ts';\n\n/** A greeting for name. */\nexport function greet(name: string): string {\n  return todo('chapters/03-gamma/gamma.ts', 'greet: say hello');\n}\n`,
      test: `import { expect, it } from 'vitest';\nimport { greet } from '@impl/03-gamma/gamma.ts';\n\nit('greets', () => {\n  expect(greet('Ada')).toBe('Hello, Ada!');\n});\n`,
    },
  ];
  for (const c of chapters) {
    write(root, `chapters/${c.slug}/README.md`, readme(c.title, ['a nudge', 'see RFC 6455 §1.3', 'nearly the answer']));
    write(root, `chapters/${c.slug}/${c.file}`, c.starter);
    write(root, `solutions/${c.slug}/${c.file}`, c.solution);
    write(root, `test/${c.slug}.test.ts`, c.test);
  }
}
