/**
 * Links from a chapter README to source files (`[connection.ts](../../server/wiring/connection.ts)`) point to
 * the file's page in the book itself (`/source/server/wiring/connection.ts`, see source-pages.ts),
 * shown with line numbers and readable offline. Left alone, Docusaurus would copy each linked file
 * into the build under a hashed name and serve it raw.
 *
 * Links to other READMEs (`.md`) are left to Docusaurus, which turns them into page links. A link to
 * a file that does not exist, or to one the book has no page for, fails the build, as a broken page
 * link does.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SOURCE_DIRS, isRenderedSource, sourceRoute } from './source-files';

interface Node {
  type: string;
  url?: string;
  children?: Node[];
}

interface Options {
  /** The repository's root on disk. */
  root: string;
}

const EXTERNAL = /^([a-z][a-z0-9+.-]*:|\/|#)/i;
const PAGE = /\.mdx?$/i;

export default function remarkSourceLinks(options: Options) {
  return (tree: Node, file: { path?: string }): void => {
    if (file.path === undefined) return;
    const from = path.dirname(file.path);
    const visit = (node: Node): void => {
      if ((node.type === 'link' || node.type === 'definition') && node.url !== undefined) {
        node.url = rewrite(node.url, from, file.path!, options);
      }
      node.children?.forEach(visit);
    };
    visit(tree);
  };
}

function rewrite(url: string, from: string, source: string, options: Options): string {
  if (url === '' || EXTERNAL.test(url)) return url;
  const match = /^([^?#]*)(.*)$/.exec(url)!;
  const target = decodeURI(match[1]!);
  const suffix = match[2]!;
  if (target === '' || PAGE.test(target)) return url;
  const absolute = path.resolve(from, target);
  const relative = path.relative(options.root, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return url;
  if (!existsSync(absolute)) {
    throw new Error(`${path.relative(options.root, source)}: the link to "${url}" names a file that does not exist`);
  }
  const repositoryPath = relative.split(path.sep).join('/');
  if (statSync(absolute).isDirectory() || !isRenderedSource(repositoryPath)) {
    throw new Error(
      `${path.relative(options.root, source)}: the link to "${url}" names ${repositoryPath}, which the book has no page for ` +
        `(it shows the .ts files under ${SOURCE_DIRS.join('/, ')}/): link a file there, or write the path as code`,
    );
  }
  return `${sourceRoute(repositoryPath)}${suffix}`;
}
