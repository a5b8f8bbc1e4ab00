/**
 * Chapter 13 with a real browser (Debian's Chromium, driven by playwright-core), which offers
 * permessage-deflate by default: the demo started with compression on negotiates it, and the demo
 * page's chat and echo work compressed; started without it, the browser's offer is declined.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`): without it the tests fail and say so.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../server/demo/demo-server.ts';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
}, 30_000);
afterAll(() => browser?.close());

/** In the demo page: open `path`, send `text`, resolve with the extensions and the first message back. */
async function roundTrip(port: number, path: string, text: string): Promise<{ extensions: string; echo: string }> {
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    return await page.evaluate(
      ({ url, message }) =>
        new Promise<{ extensions: string; echo: string }>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.onopen = () => socket.send(message);
          socket.onmessage = (event) => {
            resolve({ extensions: socket.extensions, echo: String(event.data) });
            socket.close();
          };
          socket.onerror = () => reject(new Error(`WebSocket error on ${url}`));
        }),
      { url: `ws://127.0.0.1:${port}${path}`, message: text },
    );
  } finally {
    await page.close();
  }
}

const TEXT = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, user: `user-${i % 5}`, text: 'héllo' })));

describe('RFC 7692 §5: Chromium offers permessage-deflate', () => {
  it('the demo with --deflate negotiates it; echo and chat work compressed', async () => {
    const server = await serve({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    try {
      for (const path of ['/echo', '/chat']) {
        const { extensions, echo } = await roundTrip(server.port, path, TEXT);
        expect(extensions, `the extensions Chromium reports on ${path}`).toMatch(/^permessage-deflate/);
        expect(echo, `the ${TEXT.length}-byte message back on ${path}`).toBe(TEXT);
      }
    } finally {
      await server.close();
    }
  }, 30_000);

  it('the demo without it declines the offer, and the page works as before', async () => {
    const server = await serve({ port: 0, host: '127.0.0.1' });
    try {
      const { extensions, echo } = await roundTrip(server.port, '/echo', TEXT);
      expect(extensions).toBe('');
      expect(echo).toBe(TEXT);
    } finally {
      await server.close();
    }
  }, 30_000);
});
