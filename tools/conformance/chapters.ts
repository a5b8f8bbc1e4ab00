/**
 * The chapters a case can be tagged with, and how to tell which ones a tree implements.
 *
 * A starter file calls `todo(...)` where the learner has work to do; a finished chapter has no such
 * call left. Scanning the chapter's `.ts` files for `todo(` is cheap and needs no import, so a tree
 * whose later chapters would throw is never loaded just to find that out.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listChapters } from '../runner/chapters.ts';

/** A chapter's number, e.g. `5` for `chapters/05-frames`. */
export type ChapterNumber = number;

/** Chapter numbers and their folder names, from the chapter folders (the runner's one listing). */
const CHAPTERS: ReadonlyMap<ChapterNumber, string> = new Map(
  listChapters(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')).map((chapter) => [Number(chapter.number), chapter.slug]),
);

export const ALL_CHAPTERS: readonly ChapterNumber[] = [...CHAPTERS.keys()];

/** `5` → `'05-frames'`. */
export function chapterName(chapter: ChapterNumber): string {
  return CHAPTERS.get(chapter) ?? String(chapter).padStart(2, '0');
}

/** Accepts `7`, `07` or `07-messages`. */
export function parseChapter(text: string): ChapterNumber | undefined {
  const number = Number(/^(\d{1,2})/.exec(text)?.[1]);
  return CHAPTERS.has(number) ? number : undefined;
}

const TODO_CALL = /\btodo\(\s*['"`]/;

/**
 * The chapters of `treeDir` (e.g. `<root>/solutions`) whose folder exists and whose `.ts` files
 * contain no `todo(` call. The folder is found by its number prefix, so a renamed slug still counts.
 */
export async function implementedChapters(treeDir: string): Promise<Set<ChapterNumber>> {
  const implemented = new Set<ChapterNumber>();
  const entries = await readdir(treeDir, { withFileTypes: true }).catch(() => []);
  for (const chapter of ALL_CHAPTERS) {
    const prefix = `${String(chapter).padStart(2, '0')}-`;
    const folder = entries.find((entry) => entry.isDirectory() && entry.name.startsWith(prefix));
    if (!folder) continue;
    const dir = path.join(treeDir, folder.name);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
    if (files.length === 0) continue;
    const sources = await Promise.all(files.map((name) => readFile(path.join(dir, name), 'utf8')));
    if (!sources.some((source) => TODO_CALL.test(source))) implemented.add(chapter);
  }
  return implemented;
}
