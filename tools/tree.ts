/**
 * Which tree a tool runs: `solutions` (the reference) or `chapters` (the learner's code).
 *
 * The given code under server/ imports the chapters' layers as `@impl/<chapter>/<file>.ts`, and
 * only server/wiring/layers.ts does so for values. `useTree` points that name at one tree for the
 * rest of the process with a module resolve hook (tree-hook.mjs), so it must run before anything
 * from server/ is imported. The tests do the same with vitest's alias (vitest.config.ts, set by
 * WORKBOOK_IMPL), the benchmark with an esbuild plugin (bench/servers.ts), tsc with `paths`.
 */
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TREES = ['solutions', 'chapters'] as const;
export type Tree = (typeof TREES)[number];

/** The `--impl` value, checked: `solutions` or `chapters`. */
export function parseTree(value: string): Tree {
  if ((TREES as readonly string[]).includes(value)) return value as Tree;
  throw new Error(`--impl is solutions (the reference) or chapters (yours), not "${value}"`);
}

/** The `--impl <tree>` of an argument list, `solutions` without one. */
export function treeArgument(argv: readonly string[] = process.argv): Tree {
  const at = argv.indexOf('--impl');
  return at < 0 ? 'solutions' : parseTree(argv[at + 1] ?? '');
}

/** The tree's folder (a scratch tree may be any folder holding chapter folders). */
export function treeDir(tree: string): string {
  return path.resolve(root, tree);
}

let chosen: string | null = null;

/** Makes `@impl/` resolve to `tree` in this process. Call once, before importing server/. */
export function useTree(tree: string): void {
  const dir = treeDir(tree);
  if (chosen !== null) {
    if (chosen !== dir) throw new Error(`this process already runs ${chosen}; it cannot switch to ${dir}`);
    return;
  }
  if (!fs.existsSync(dir)) throw new Error(`no tree at ${dir}`);
  chosen = dir;
  register('./tree-hook.mjs', import.meta.url, { data: { base: `${pathToFileURL(dir).href}/` } });
}

/** Imports a module of the given code (e.g. `server/demo/demo-server.ts`) running the tree `tree`. */
export async function importWithTree<T>(tree: string, module: string): Promise<T> {
  useTree(tree);
  return (await import(pathToFileURL(path.join(root, module)).href)) as T;
}
