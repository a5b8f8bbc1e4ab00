/**
 * The repository's source files the book renders as pages of its own, so that a link from a chapter
 * to `server/wiring/connection.ts` (or the API reference's "Defined in") opens the code in the
 * site, offline, instead of on a code-hosting site.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The folders whose TypeScript files get a page: the given code, the reference, the starters, the
 * tests and the client toolkit they use.
 */
export const SOURCE_DIRS = ['core', 'server', 'solutions', 'chapters', 'test', 'tools/wire'] as const;

/** Where the pages live: `/source/core/errors.ts`. */
export const SOURCE_ROUTE = '/source/';

/** Whether the book has a page for `repositoryPath` (`/`-separated, relative to the root). */
export function isRenderedSource(repositoryPath: string): boolean {
  return /\.ts$/.test(repositoryPath) && !repositoryPath.includes('/node_modules/') && SOURCE_DIRS.some((dir) => repositoryPath.startsWith(`${dir}/`));
}

/** The URL path of a rendered file's page. */
export function sourceRoute(repositoryPath: string): string {
  return SOURCE_ROUTE + repositoryPath.split('/').map(encodeURIComponent).join('/');
}

/** Every file that gets a page, `/`-separated and relative to `root`, in order. */
export function renderedSources(root: string): string[] {
  const files: string[] = [];
  const visit = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative)).sort()) {
      if (entry === 'node_modules') continue;
      const child = `${relative}/${entry}`;
      if (statSync(path.join(root, child)).isDirectory()) visit(child);
      else if (isRenderedSource(child)) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) visit(dir);
  return files;
}
