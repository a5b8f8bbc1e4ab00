/**
 * The chapters as the runner sees them: folders `chapters/NN-slug/`, their titles, their tests and
 * their hints.
 *
 * Everything is discovered from the tree each time (no list to keep in sync): a chapter is a folder
 * whose name starts with two digits; its title is the README's first `# ` heading; its tests are
 * `test/NN-slug.test.ts` or anything under `test/NN-slug/` ending in `.test.ts`; its hints are the
 * `<details><summary>…</summary>…</details>` blocks of the README's `## Hints` section.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Chapter {
  /** Two digits, e.g. `05`. */
  readonly number: string;
  /** The folder name, e.g. `05-frames`. */
  readonly slug: string;
  /** The README's first heading, or the slug when there is none. */
  readonly title: string;
}

export interface Hint {
  /** The summary line, e.g. `Hint 1 — a nudge`. */
  readonly summary: string;
  /** The markdown inside the block. */
  readonly body: string;
}

const CHAPTER_DIR = /^(\d\d)-[\w.-]+$/;

/** Every chapter under `root/chapters`, in order. */
export function listChapters(root: string): Chapter[] {
  const dir = path.join(root, 'chapters');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && CHAPTER_DIR.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .map((slug) => ({ number: slug.slice(0, 2), slug, title: readTitle(root, slug) }));
}

function readTitle(root: string, slug: string): string {
  const readme = readReadme(root, slug);
  const heading = readme === undefined ? undefined : /^# +(.+?)\s*#*\s*$/m.exec(readme);
  // A heading may repeat the number ("04 · The 101 response"); the table shows it already.
  const title = heading?.[1]?.trim().replace(/^(?:chapter\s+)?\d{1,2}\s*[·:.—–-]\s*/i, '');
  return title || slug;
}

function readReadme(root: string, slug: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, 'chapters', slug, 'README.md'), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The chapter named by a command-line argument: `5`, `05` or `05-frames`. Undefined when there is no
 * such chapter.
 */
export function findChapter(chapters: readonly Chapter[], arg: string): Chapter | undefined {
  const trimmed = arg.trim();
  const number = /^\d{1,2}$/.test(trimmed) ? trimmed.padStart(2, '0') : /^(\d\d)-/.exec(trimmed)?.[1];
  return chapters.find((chapter) => chapter.number === number);
}

/** Whether a test file (path relative to the root, `/`-separated) belongs to the chapter. */
export function isChapterTest(chapter: Chapter, relativeFile: string): boolean {
  const file = relativeFile.split(path.sep).join('/');
  return file === `test/${chapter.slug}.test.ts` || (file.startsWith(`test/${chapter.slug}/`) && file.endsWith('.test.ts'));
}

/** The chapter's test files, relative to the root (`test/…`), sorted. */
export function chapterTests(root: string, chapter: Chapter): string[] {
  return listTsFiles(path.join(root, 'test'))
    .map((file) => `test/${file}`)
    .filter((file) => isChapterTest(chapter, file));
}

/** The chapter a test file belongs to, if any. */
export function chapterOfTest(chapters: readonly Chapter[], relativeFile: string): Chapter | undefined {
  return chapters.find((chapter) => isChapterTest(chapter, relativeFile));
}

/** The hints of a chapter, in order (empty when its README has no `## Hints` section). */
export function readHints(root: string, chapter: Chapter): Hint[] {
  const readme = readReadme(root, chapter.slug);
  if (readme === undefined) return [];
  const start = /^##\s+Hints\s*$/m.exec(readme);
  if (!start) return [];
  const rest = readme.slice(start.index + start[0].length);
  const next = /^##\s/m.exec(rest);
  const section = next ? rest.slice(0, next.index) : rest;
  const hints: Hint[] = [];
  const block = /<details>\s*<summary>([\s\S]*?)<\/summary>([\s\S]*?)<\/details>/g;
  for (let match = block.exec(section); match; match = block.exec(section)) {
    hints.push({ summary: match[1]!.replace(/<[^>]+>/g, '').trim(), body: dedent(match[2]!).trim() });
  }
  return hints;
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const indent = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** The `.ts` files under a folder, as paths relative to it (`/`-separated), sorted. */
export function listTsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && entry.name.endsWith('.ts')) files.push(rel);
    }
  };
  walk('');
  return files.sort();
}
