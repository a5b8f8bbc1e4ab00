/**
 * Links from a chapter README to a source file go to the file's page in the book (/source/…), so the
 * book shows the code offline; page links stay; a link the book cannot show fails the build.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Node {
  type: string;
  url?: string;
  children?: Node[];
}
type Plugin = (options: { root: string }) => (tree: Node, file: { path?: string }) => void;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// site/ is compiled by Docusaurus, not by the root tsconfig: load it by a path tsc does not follow.
const pluginPath: string = '../../site/plugins/remark-source-links.ts';
const remarkSourceLinks = ((await import(pluginPath)) as { default: Plugin }).default;
const transform = remarkSourceLinks({ root });
const readme = path.join(root, 'chapters', '05-frames', 'README.md');

function rewrite(url: string): string | undefined {
  const tree: Node = { type: 'root', children: [{ type: 'paragraph', children: [{ type: 'link', url }] }] };
  transform(tree, { path: readme });
  return tree.children![0]!.children![0]!.url;
}

describe('source links in chapter READMEs', () => {
  it("points a link to a source file at the file's page in the book", () => {
    expect(rewrite('../../core/errors.ts')).toBe('/source/core/errors.ts');
    expect(rewrite('../../server/wiring/connection.ts#strategy')).toBe('/source/server/wiring/connection.ts#strategy');
    expect(rewrite('./decode.ts')).toBe('/source/chapters/05-frames/decode.ts');
    expect(rewrite('../../test/05-frames/decode.test.ts')).toBe('/source/test/05-frames/decode.test.ts');
  });

  it('fails on a link to a folder or a file the book has no page for, naming it', () => {
    expect(() => rewrite('../../server/wiring')).toThrow(/the link to "\.\.\/\.\.\/server\/wiring" names server\/wiring, which the book has no page for/);
    expect(() => rewrite('../../package.json')).toThrow(/names package\.json, which the book has no page for/);
    expect(() => rewrite('../../tools/serve.ts')).toThrow(/names tools\/serve\.ts, which the book has no page for/);
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
