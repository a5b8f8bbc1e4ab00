/**
 * `npx tsx tools/browser-check.ts [--impl solutions|chapters]`
 *
 * The demo in a real browser: starts the demo server on a free port, opens the demo page in two
 * Chromium pages, joins the chat from both, checks that each sees the other's message and that the
 * frame log shows the chat connection's frames with their fields (FIN, opcode, length, masked),
 * then saves a screenshot to artifacts/demo/. Prints one line per check and `N passed, M failed`;
 * exits non-zero on any failure. Needs Debian's Chromium at /usr/bin/chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { importWithTree, treeArgument } from './tree.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = path.join(root, 'artifacts/demo');
const TIMEOUT_MS = 5000;

interface ServeModule {
  serve(options: { port: number; host: string }): Promise<{ port: number; host: string; close(): Promise<void> }>;
}

let passed = 0;
let failed = 0;

async function check(name: string, run: () => Promise<string | void>): Promise<void> {
  try {
    const detail = await run();
    passed++;
    console.log(`ok    ${name}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    failed++;
    console.log(`FAIL  ${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

/** The frame log's rows as the page shows them: one object per frame. */
async function frameRows(page: Page): Promise<Record<string, string>[]> {
  return page.$$eval('#frames tbody tr:not(.note)', (rows) =>
    rows.map((row) => {
      const cells = Array.from(row.querySelectorAll('td'), (td) => td.textContent ?? '');
      return { dir: cells[1]!, fin: cells[2]!, rsv1: cells[3]!, opcode: cells[4]!, length: cells[5]!, masked: cells[6]!, payload: cells[7]! };
    }),
  );
}

async function main(): Promise<void> {
  const impl = treeArgument();
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`browser-check: ${CHROMIUM} is missing. Install Debian's Chromium: apt-get update && apt-get install -y chromium`);
    process.exit(2);
  }
  const { serve } = await importWithTree<ServeModule>(impl, 'server/demo/demo-server.ts');
  const server = await serve({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${server.port}/`;
  console.log(`browser-check: demo server (impl: ${impl}) at ${url}`);

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const alice = await context.newPage();
    const bob = await context.newPage();
    const pageErrors: string[] = [];
    for (const page of [alice, bob]) page.on('pageerror', (error) => pageErrors.push(error.message));

    await check('GET / serves the demo page', async () => {
      const response = await alice.goto(url);
      if (response?.status() !== 200) throw new Error(`status ${response?.status()}`);
      await bob.goto(url);
      return `title "${await alice.title()}"`;
    });

    await check('both pages join the chat with subprotocol "chat"', async () => {
      for (const page of [alice, bob]) {
        await page.waitForFunction(
          () => document.querySelector('#status')?.classList.contains('open'),
          undefined,
          { timeout: TIMEOUT_MS },
        );
      }
      const status = await alice.textContent('#status');
      if (!status?.includes('"chat"')) throw new Error(`status line: ${status}`);
      return status;
    });

    await alice.fill('#name', 'alice');
    await bob.fill('#name', 'bob');

    await check("bob sees alice's message", async () => {
      await alice.fill('#chat-input', 'hello from alice');
      await alice.click('#chat-send');
      await bob.waitForSelector('#chat-messages li:has-text("alice: hello from alice")', { timeout: TIMEOUT_MS });
    });

    await check("alice sees bob's message", async () => {
      await bob.fill('#chat-input', 'hi alice, bob here');
      await bob.click('#chat-send');
      await alice.waitForSelector('#chat-messages li:has-text("bob: hi alice, bob here")', { timeout: TIMEOUT_MS });
    });

    await check('the frame log shows the masked text frame alice sent: FIN 1, text, its length', async () => {
      await alice.waitForSelector('#frames tbody tr.in', { timeout: TIMEOUT_MS });
      const rows = await frameRows(alice);
      const sent = rows.find((row) => row.dir.startsWith('→') && row.payload === 'alice: hello from alice');
      if (!sent) throw new Error(`no client-to-server row for the message; rows: ${JSON.stringify(rows)}`);
      const expectedLength = String(new TextEncoder().encode('alice: hello from alice').length);
      if (sent.fin !== '1' || !sent.opcode.startsWith('text (0x1)') || sent.length !== expectedLength || !sent.masked.startsWith('yes')) {
        throw new Error(`row: ${JSON.stringify(sent)}`);
      }
      return `FIN ${sent.fin}, ${sent.opcode}, length ${sent.length}, masked ${sent.masked}`;
    });

    await check('the frame log shows the unmasked frames the server sent: both chat messages', async () => {
      await alice.waitForFunction(() => document.querySelectorAll('#frames tbody tr.out').length >= 2, undefined, {
        timeout: TIMEOUT_MS,
      });
      const rows = (await frameRows(alice)).filter((row) => row.dir.startsWith('←'));
      const payloads = rows.map((row) => row.payload);
      for (const expected of ['alice: hello from alice', 'bob: hi alice, bob here']) {
        if (!payloads.includes(expected)) throw new Error(`no server-to-client row for "${expected}": ${JSON.stringify(rows)}`);
      }
      if (rows.some((row) => row.masked !== 'no')) throw new Error('a server frame is shown as masked (RFC 6455 §5.1)');
      return `${rows.length} frames, none masked`;
    });

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const screenshot = path.join(SCREENSHOT_DIR, 'chat-and-frames.png');
    await check('the close handshake appears in the log after "Leave (close 1000)"', async () => {
      await alice.click('#chat-leave');
      await alice.waitForFunction(
        () => Array.from(document.querySelectorAll('#frames tbody tr.out td')).some((td) => td.textContent?.startsWith('close')),
        undefined,
        { timeout: TIMEOUT_MS },
      );
      const rows = (await frameRows(alice)).filter((row) => row.opcode.startsWith('close'));
      return rows.map((row) => `${row.dir.slice(0, 1)} ${row.payload}`).join(', ');
    });
    await alice.screenshot({ path: screenshot, fullPage: true });
    console.log(`browser-check: screenshot saved to ${path.relative(root, screenshot)}`);

    await check('no JavaScript errors on the pages', async () => {
      if (pageErrors.length > 0) throw new Error(pageErrors.join('; '));
    });
  } finally {
    await browser?.close();
    await server.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`browser-check: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
