/**
 * Chapter 15 as a person sees it: two server processes on two ports with one real redis-server,
 * as if on two machines, and the demo page of each open in Chromium (playwright-core). What one
 * page says appears on the other, and each page's status line says cross-process delivery is up
 * and counts both people.
 *
 * Needs /usr/bin/chromium and /usr/bin/redis-server (Debian's chromium and redis-server): without
 * them the tests fail and say so.
 */
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '../helpers/redis.ts';
import { WAIT_MS, killServers, startServe } from './processes.ts';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (apt-get install -y chromium)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'] });
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  killServers();
  await stopAllRedis();
});

/** The demo page of the server on `port`, joined to the chat under `name`. */
async function openPage(port: number, name: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#status.open').waitFor({ timeout: WAIT_MS });
  await page.fill('#name', name);
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-input', text);
  await page.click('#chat-send');
}

describe('chapter 15: two servers, one Redis, a browser on each', { timeout: 60_000 }, () => {
  it("shows each page the other's messages, and both people on each page's status line", async () => {
    const redis = await startRedis();
    const servers = [];
    for (let i = 0; i < 2; i++) {
      const serve = await startServe(['--redis', redis.url, '--presence-ttl', '1500']);
      await serve.waitFor(/cross-process delivery up/, 'the Redis connection');
      servers.push(serve);
    }
    const [ada, bob] = [await openPage(servers[0]!.port, 'ada'), await openPage(servers[1]!.port, 'bob')];
    await say(ada, 'hello from the first server');
    await bob.locator('#chat-messages li', { hasText: 'ada: hello from the first server' }).waitFor({ timeout: WAIT_MS });
    await say(bob, 'and back from the second');
    await ada.locator('#chat-messages li', { hasText: 'bob: and back from the second' }).waitFor({ timeout: WAIT_MS });
    for (const page of [ada, bob]) {
      await page.locator('#room-status', { hasText: 'cross-process delivery: up · 2 in the room' }).waitFor({ timeout: WAIT_MS });
      const lines = await page.locator('#chat-messages li:not(.system)').allTextContents();
      expect(lines.filter((line) => line.includes(': ')), 'each message once on each page').toEqual(['ada: hello from the first server', 'bob: and back from the second']);
    }
  });
});
