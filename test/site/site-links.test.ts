/**
 * The site check's offline rule (tools/site-check.ts): a built page may link to references such as
 * the RFCs, but not to a code-hosting site, because the book shows its code itself at /source/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { onlineCodeLinks } from '../../tools/site-check.ts';

const scratch: string[] = [];

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A tiny build folder with the given pages. */
function build(pages: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-build-'));
  scratch.push(dir);
  for (const [file, html] of Object.entries(pages)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), html);
  }
  return dir;
}

describe('the site check: no built page links to a code host', () => {
  it('names each page and link that goes to github.com, whatever the quoting or subdomain', () => {
    const dir = build({
      'chapters/frames/index.html': '<a href="https://github.com/o/r/blob/main/core/errors.ts">errors.ts</a>',
      'api/modules.html': "<a href='https://github.com/o/r/blob/main/solutions/05-frames/decode.ts#L12'>Defined in</a>",
      'index.html': '<img src=//raw.githubusercontent.com/o/r/main/logo.svg>',
    });
    expect(onlineCodeLinks(dir).sort()).toEqual([
      'api/modules.html: https://github.com/o/r/blob/main/solutions/05-frames/decode.ts#L12',
      'chapters/frames/index.html: https://github.com/o/r/blob/main/core/errors.ts',
      'index.html: //raw.githubusercontent.com/o/r/main/logo.svg',
    ]);
  });

  it('lets the book link to its own pages and to references such as the RFCs, and quote links in code', () => {
    const dir = build({
      'index.html':
        '<a href="/source/core/errors.ts">errors.ts</a> <a href="https://www.rfc-editor.org/rfc/rfc6455#section-5.2">RFC 6455 §5.2</a>' +
        '<a href="https://developer.mozilla.org/en-US/docs/Web/API/WebSocket">MDN</a> <p>github.com is named in prose only</p>',
      // A source page quoting a test: the link is escaped text in a code listing, not a link.
      'source/test/x.test.ts/index.html': '<pre><code>&lt;a href=&quot;https://github.com/o/r&quot;&gt; &lt;img src=//raw.githubusercontent.com/x&gt;</code></pre>',
    });
    expect(onlineCodeLinks(dir)).toEqual([]);
  });
});
