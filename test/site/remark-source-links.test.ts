/**
 * Links from a chapter README to a source file go to the file in the repository; page links stay.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Node {
  type: string;
  url?: string;
  children?: Node[];
}
type Plugin = (options: { root: string; repositoryUrl: string; branch: string }) => (tree: Node, file: { path?: string }) => void;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// site/ is compiled by Docusaurus, not by the root tsconfig: load it by a path tsc does not follow.
const pluginPath: string = '../../site/plugins/remark-source-links.ts';
const remarkSourceLinks = ((await import(pluginPath)) as { default: Plugin }).default;
const transform = remarkSourceLinks({ root, repositoryUrl: 'https://example.org/repo', branch: 'main' });
const readme = path.join(root, 'chapters', '05-frames', 'README.md');

function rewrite(url: string): string | undefined {
  const tree: Node = { type: 'root', children: [{ type: 'paragraph', children: [{ type: 'link', url }] }] };
  transform(tree, { path: readme });
  return tree.children![0]!.children![0]!.url;
}

describe('source links in chapter READMEs', () => {
  it('points a link to a source file at the repository', () => {
    expect(rewrite('../../core/errors.ts')).toBe('https://example.org/repo/blob/main/core/errors.ts');
    expect(rewrite('../../core/errors.ts#L10')).toBe('https://example.org/repo/blob/main/core/errors.ts#L10');
    expect(rewrite('../../server/wiring')).toBe('https://example.org/repo/tree/main/server/wiring');
  });

  it('leaves page links, anchors, absolute and external links to Docusaurus', () => {
    for (const url of ['../04-upgrade/README.md', '#pitfalls', '/frame-lab', 'https://www.rfc-editor.org/rfc/rfc6455']) {
      expect(rewrite(url)).toBe(url);
    }
  });

  it('fails on a link to a file that does not exist', () => {
    expect(() => rewrite('./no-such-file.ts')).toThrow(/chapters\/05-frames\/README.md: the link to "\.\/no-such-file\.ts" names a file that does not exist/);
  });
});
