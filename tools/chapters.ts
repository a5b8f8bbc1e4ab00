/**
 * The chapters of the workbook, as the tools see them: folders `NN-slug` under chapters/ and
 * solutions/, and their tests under test/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { root } from './starters.ts';

export interface ChapterInfo {
  /** Two digits, e.g. `05`. */
  readonly number: string;
  /** Folder name, e.g. `05-frames`. */
  readonly slug: string;
  /** Test files for the chapter, relative to the repo root. */
  readonly tests: string[];
}

const CHAPTER_DIR = /^(\d\d)-[a-z0-9-]+$/;

/** Every chapter with a solution folder, in order. */
export function listChapters(): ChapterInfo[] {
  const testDir = path.join(root, 'test');
  const testEntries = fs.existsSync(testDir) ? fs.readdirSync(testDir) : [];
  return fs
    .readdirSync(path.join(root, 'solutions'))
    .filter((name) => CHAPTER_DIR.test(name))
    .sort()
    .map((slug) => {
      const number = CHAPTER_DIR.exec(slug)![1]!;
      const tests: string[] = [];
      for (const entry of testEntries) {
        if (entry === `${slug}.test.ts`) tests.push(`test/${entry}`);
        else if (entry === slug && fs.statSync(path.join(testDir, entry)).isDirectory()) {
          for (const file of fs.readdirSync(path.join(testDir, entry), { recursive: true }) as string[]) {
            if (file.endsWith('.test.ts')) tests.push(`test/${entry}/${file.split(path.sep).join('/')}`);
          }
        }
      }
      return { number, slug, tests: tests.sort() };
    });
}
