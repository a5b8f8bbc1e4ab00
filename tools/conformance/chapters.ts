/**
 * The chapters a case can be tagged with, and how to tell which ones a tree implements.
 *
 * A starter file calls `todo(...)` where the learner has work to do; a finished chapter has no such
 * call left. Scanning the chapter's `.ts` files for `todo(` is cheap and needs no import, so a tree
 * whose later chapters would throw is never loaded just to find that out.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Chapter numbers and the slugs the workbook gives them. */
export const CHAPTERS = {
  1: '01-tcp-listener',
  2: '02-http-head',
  3: '03-accept-key',
  4: '04-upgrade',
  5: '05-frames',
  6: '06-closing',
  7: '07-messages',
  8: '08-heartbeat',
  9: '09-backpressure',
  10: '10-app',
} as const;

export type Chapter = keyof typeof CHAPTERS;

export const ALL_CHAPTERS = Object.keys(CHAPTERS).map(Number) as Chapter[];

/** `5` → `'05-frames'`. */
export function chapterName(chapter: Chapter): string {
  return CHAPTERS[chapter];
}

/** Accepts `7`, `07` or `07-messages`. */
export function parseChapter(text: string): Chapter | undefined {
  const number = Number(/^(\d{1,2})/.exec(text)?.[1]);
  return number in CHAPTERS ? (number as Chapter) : undefined;
}

const TODO_CALL = /\btodo\(\s*['"`]/;

/**
 * The chapters of `treeDir` (e.g. `<root>/solutions`) whose folder exists and whose `.ts` files
 * contain no `todo(` call. The folder is found by its number prefix, so a renamed slug still counts.
 */
export async function implementedChapters(treeDir: string): Promise<Set<Chapter>> {
  const implemented = new Set<Chapter>();
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
