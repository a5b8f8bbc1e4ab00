/**
 * Chapter 12 with a real browser (Debian's Chromium, driven by playwright-core): where a browser
 * behaves differently from the `ws` client. It sends cookies with the handshake by itself, it sets
 * `Origin` and a page cannot change it, and it fails the connection on a redirect.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`): without it the tests fail and say so.
 */
import fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { WebSocketServer } from '../../server/app/websocket-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const PAGE = '<!doctype html><meta charset="utf-8"><title>chapter 12</title><p>a page</p>';

/** What the server saw of each handshake: the path, the Origin and the Cookie fields. */
interface Seen {
  readonly path: string;
  readonly origin: string | undefined;
  readonly cookie: string | undefined;
}

let browser: Browser;
let app: { port: number; seen: Seen[]; close(): Promise<void> };
let foreign: { port: number; close(): Promise<void> };

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The application: its page, and an echo behind an Origin allow-list (its own origin), a token and a redirect. */
async function startApp(): Promise<typeof app> {
  const allowedOrigins: string[] = [];
  const sockets = new WebSocketServer({ noServer: true, policy: { allowedOrigins, token: 's3cret', redirects: { '/old': '/echo' } } });
  sockets.on('connection', (socket) => socket.on('message', (data) => void socket.send(data)));
  const seen: Seen[] = [];
  const server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
  server.on('upgrade', (request: http.IncomingMessage, socket, head) => {
    seen.push({ path: request.url ?? '', origin: request.headers.origin, cookie: request.headers.cookie });
    sockets.handleUpgrade(request, socket, head, (client, requestHead) => sockets.emit('connection', client, requestHead));
  });
  const port = await listen(server);
  allowedOrigins.push(`http://127.0.0.1:${port}`);
  return {
    port,
    seen,
    close: async () => {
      await sockets.close({ timeout: 200 });
      await closeHttp(server);
    },
  };
}

/** Another site: only a page, on another port (so another origin; cookies ignore ports). */
async function startForeign(): Promise<typeof foreign> {
  const server = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
  const port = await listen(server);
  return { port, close: () => closeHttp(server) };
}

/** In the page: opens a WebSocket, sends one message, reports whether it opened, the echo and the close code. */
function tryWebSocket(page: Page, url: string): Promise<{ opened: boolean; echo: string | null; code: number }> {
  return page.evaluate(
    (target) =>
      new Promise<{ opened: boolean; echo: string | null; code: number }>((resolve) => {
        const socket = new WebSocket(target);
        let opened = false;
        let echo: string | null = null;
        socket.onopen = () => {
          opened = true;
          socket.send('from the page');
        };
        socket.onmessage = (event) => {
          echo = String(event.data);
          socket.close(1000);
        };
        socket.onclose = (event) => resolve({ opened, echo, code: event.code });
      }),
    url,
  );
}

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: these tests need Debian's Chromium (apt-get update && apt-get install -y chromium)`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1'],
  });
  app = await startApp();
  foreign = await startForeign();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await foreign?.close();
  await browser?.close();
});

describe('RFC 6455 §10.2 — cookies, Origin and redirects, as a browser sends them', () => {
  it('a page of the application connects with its token cookie, sent by the browser by itself; without it, 401 fails the connection', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${app.port}/`);
      const before = await tryWebSocket(page, `ws://127.0.0.1:${app.port}/echo`);
      expect(before, 'no cookie yet: the 401 fails the connection (1006)').toEqual({ opened: false, echo: null, code: 1006 });
      await page.evaluate(() => {
        document.cookie = 'token=s3cret; path=/';
      });
      const after = await tryWebSocket(page, `ws://127.0.0.1:${app.port}/echo`);
      expect(after).toEqual({ opened: true, echo: 'from the page', code: 1000 });
      const last = app.seen.at(-1)!;
      expect(last.cookie, 'Chromium sent the cookie with the upgrade').toContain('token=s3cret');
      expect(last.origin, 'and its own Origin').toBe(`http://127.0.0.1:${app.port}`);
    } finally {
      await context.close();
    }
  });

  it("a foreign page's WebSocket carries the user's cookie too, and only the Origin check refuses it (403)", async () => {
    const context = await browser.newContext();
    try {
      // The user has a session on the application...
      await context.addCookies([{ name: 'token', value: 's3cret', domain: '127.0.0.1', path: '/' }]);
      // ...and opens another site, whose script connects to the application.
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${foreign.port}/`);
      const result = await tryWebSocket(page, `ws://127.0.0.1:${app.port}/echo`);
      expect(result, 'refused before the 101: the page cannot connect').toEqual({ opened: false, echo: null, code: 1006 });
      const last = app.seen.at(-1)!;
      expect(last.cookie, "the browser attached the user's cookie to the foreign page's handshake").toContain('token=s3cret');
      expect(last.origin, 'but it named the page that asked').toBe(`http://127.0.0.1:${foreign.port}`);
      // The same cookie from the application's own page connects: the Origin made the difference.
      await page.goto(`http://127.0.0.1:${app.port}/`);
      expect(await tryWebSocket(page, `ws://127.0.0.1:${app.port}/echo`), 'the same user, on the application page').toEqual({ opened: true, echo: 'from the page', code: 1000 });
    } finally {
      await context.close();
    }
  });

  it('a 308 fails the connection in the browser, where ws with followRedirects would follow it', async () => {
    const context = await browser.newContext();
    try {
      await context.addCookies([{ name: 'token', value: 's3cret', domain: '127.0.0.1', path: '/' }]);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${app.port}/`);
      const seenBefore = app.seen.length;
      const result = await tryWebSocket(page, `ws://127.0.0.1:${app.port}/old`);
      expect(result).toEqual({ opened: false, echo: null, code: 1006 });
      expect(app.seen.slice(seenBefore).map((seen) => seen.path), 'one handshake, to the old path: the browser did not follow Location').toEqual(['/old']);
      const followed = await new Promise<string>((resolve, reject) => {
        const client = new WsClient(`ws://127.0.0.1:${app.port}/old`, { followRedirects: true, headers: { Authorization: 'Bearer s3cret' } });
        client.once('open', () => {
          resolve(client.url);
          client.close();
        });
        client.once('error', reject);
      });
      expect(followed, 'ws with followRedirects sent a second handshake to Location').toBe(`ws://127.0.0.1:${app.port}/echo`);
    } finally {
      await context.close();
    }
  });
});
