/**
 * A Docusaurus plugin: one page per source file the book renders (source-files.ts), at
 * `/source/<path>`, showing the file with line numbers. Chapter links and the API reference point
 * here, so the book needs no network to show the code it talks about.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from '@docusaurus/types';
import { SOURCE_DIRS, renderedSources, sourceRoute } from './source-files';

export default function sourcePages(_context: unknown, options: { root: string }): Plugin<{ path: string; code: string }[]> {
  return {
    name: 'workbook-source-pages',
    async loadContent() {
      return renderedSources(options.root).map((file) => ({ path: file, code: readFileSync(path.join(options.root, file), 'utf8') }));
    },
    async contentLoaded({ content, actions }) {
      for (const [index, source] of content.entries()) {
        const data = await actions.createData(`source-${index}.json`, JSON.stringify(source));
        actions.addRoute({ path: sourceRoute(source.path), component: '@site/src/components/SourcePage', exact: true, modules: { source: data } });
      }
    },
    getPathsToWatch() {
      return SOURCE_DIRS.map((dir) => path.join(options.root, dir, '**', '*.ts'));
    },
  };
}
