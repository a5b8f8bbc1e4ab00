/**
 * The commands that touch the learner's files: reset, catch-up (both keep a backup first) and the
 * solution diff.
 *
 * Backups go to `.workbook/backups/<timestamp>/` with the same relative paths as the files they save,
 * so restoring one is a copy back. Starters come from git (`git show HEAD:chapters/…`), which is
 * exactly what the learner cloned; when git cannot give them (no repository, no commit), they are
 * regenerated from solutions/ with the starter generator tools/starters.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { structuredPatch } from 'diff';
import { listTsFiles, type Chapter } from './chapters.ts';
import type { Colors } from './format.ts';

/** A planned write: the file (relative to the root) and its new content. */
export interface FileChange {
  readonly file: string;
  readonly content: string;
}

function read(root: string, rel: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, rel), 'utf8');
  } catch {
    return undefined;
  }
}

/** Only the changes that would alter a file. */
export function effective(root: string, changes: readonly FileChange[]): FileChange[] {
  return changes.filter((change) => read(root, change.file) !== change.content);
}

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Copies the existing files among `files` into a new backup folder and returns it (relative to the
 * root), or undefined when none of them exists.
 */
export function backup(root: string, files: readonly string[]): string | undefined {
  const existing = files.filter((file) => fs.existsSync(path.join(root, file)));
  if (existing.length === 0) return undefined;
  const base = path.join('.workbook', 'backups', timestamp());
  let dir = base;
  for (let n = 2; fs.existsSync(path.join(root, dir)); n++) dir = `${base}-${n}`;
  for (const file of existing) {
    const target = path.join(root, dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, file), target);
  }
  return dir.split(path.sep).join('/');
}

export function apply(root: string, changes: readonly FileChange[]): void {
  for (const change of changes) {
    const target = path.join(root, change.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, change.content);
  }
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

function isGitTop(root: string): boolean {
  const top = git(root, ['rev-parse', '--show-toplevel'])?.trim();
  return top !== undefined && fs.realpathSync(top) === fs.realpathSync(root);
}

type StarterFor = (solutionPath: string, source: string) => string;

async function loadStarterFor(root: string): Promise<StarterFor | undefined> {
  const file = path.join(root, 'tools', 'starters.ts');
  if (!fs.existsSync(file)) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { starterFor?: StarterFor };
  return typeof module.starterFor === 'function' ? module.starterFor : undefined;
}

/** The starter files of a chapter as committed, or regenerated from solutions/. */
export async function starterFiles(root: string, chapter: Chapter): Promise<FileChange[]> {
  const dir = `chapters/${chapter.slug}`;
  if (isGitTop(root)) {
    const listed = git(root, ['ls-tree', '-r', '--name-only', 'HEAD', '--', `${dir}/`]);
    const files = (listed ?? '').split('\n').filter((file) => file.endsWith('.ts'));
    if (files.length > 0) {
      const changes: FileChange[] = [];
      for (const file of files) {
        const content = git(root, ['show', `HEAD:${file}`]);
        if (content === undefined) break;
        changes.push({ file, content });
      }
      if (changes.length === files.length) return changes;
    }
  }
  const starterFor = await loadStarterFor(root);
  const solutions = listTsFiles(path.join(root, 'solutions', chapter.slug));
  if (!starterFor || solutions.length === 0) {
    throw new Error(
      `cannot find the starter of chapter ${chapter.number}: git has no committed ${dir}/ and tools/starters.ts cannot regenerate it`,
    );
  }
  return solutions.map((rel) => {
    const solutionPath = `solutions/${chapter.slug}/${rel}`;
    return { file: `${dir}/${rel}`, content: starterFor(solutionPath, read(root, solutionPath)!) };
  });
}

/** The reference files of a chapter, as writes into chapters/. */
export function referenceFiles(root: string, chapter: Chapter): FileChange[] {
  return listTsFiles(path.join(root, 'solutions', chapter.slug)).map((rel) => ({
    file: `chapters/${chapter.slug}/${rel}`,
    content: read(root, `solutions/${chapter.slug}/${rel}`)!,
  }));
}

/**
 * A coloured unified diff of the learner's files against the reference: `-` lines are the learner's,
 * `+` lines the reference's. Empty string when they are the same.
 */
export function solutionDiff(root: string, chapter: Chapter, c: Colors): string {
  const mine = listTsFiles(path.join(root, 'chapters', chapter.slug));
  const theirs = listTsFiles(path.join(root, 'solutions', chapter.slug));
  const out: string[] = [];
  for (const rel of [...new Set([...theirs, ...mine])].sort()) {
    const a = `chapters/${chapter.slug}/${rel}`;
    const b = `solutions/${chapter.slug}/${rel}`;
    const before = read(root, a) ?? '';
    const after = read(root, b) ?? '';
    if (before === after) continue;
    const patch = structuredPatch(a, b, before, after, undefined, undefined, { context: 3 });
    out.push(c.bold(`--- ${a}${mine.includes(rel) ? '' : ' (missing)'}`), c.bold(`+++ ${b}${theirs.includes(rel) ? '' : ' (not in the reference)'}`));
    for (const hunk of patch.hunks) {
      out.push(c.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
      for (const line of hunk.lines) {
        if (line.startsWith('+')) out.push(c.green(line));
        else if (line.startsWith('-')) out.push(c.red(line));
        else if (line.startsWith('\\')) out.push(c.dim(line));
        else out.push(line);
      }
    }
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '');
}
