/**
 * Chapter 12: the same demo over TLS (`https:` and `wss:`), from the same code: node's `https`
 * server emits `'upgrade'` with a TLS socket, and a TLS socket is a stream like any other. The
 * certificate is made at run time with Debian's openssl; `ws` and Chromium trust exactly it.
 *
 * Needs `openssl` (apt-get install -y openssl) and /usr/bin/chromium (apt-get install -y chromium):
 * without them the tests fail and say which package to install.
 */
import { X509Certificate, createHash } from 'node:crypto';
import fs from 'node:fs';
import * as https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WsClient from 'ws';
import { serve } from '../../server/demo/demo-server.ts';
import { echoOverWss, makeCertificate } from './real-parts.ts';

const CHROMIUM = '/usr/bin/chromium';

let dir: string;
let cert: Buffer;
let key: Buffer;
let server: { port: number; close(): Promise<void> };

/** The base64 sha256 of the certificate's public key: what Chromium's SPKI allow-list names. */
function spkiHash(pem: Buffer): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

function getJson(url: string, ca: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-tls-'));
  ({ cert, key } = makeCertificate(dir));
  server = await serve({ port: 0, host: '127.0.0.1', server: 'node-http', tls: { cert, key } });
}, 20_000);

afterAll(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('RFC 6455 §4.2.2 step 1 — wss: the handshake after the TLS handshake', () => {
  it('ws trusting the test certificate gets the JSON endpoint over https and an echo over wss (and one that does not trust it is refused)', async () => {
    // First what the certificate is: a client that does not trust it is refused by its own TLS
    // check, before any HTTP.
    const untrusting = new WsClient(`wss://localhost:${server.port}/echo`);
    const error = await new Promise<Error>((resolve) => untrusting.once('error', resolve));
    expect(error.message).toMatch(/self[- ]signed/i);
    expect(await getJson(`https://localhost:${server.port}/api/status`, cert)).toMatchObject({ server: 'node-http', tls: true });
    const echo = await echoOverWss(`wss://localhost:${server.port}/echo`, cert, 'over TLS');
    expect(echo).toBe('over TLS');
  });

  it('Chromium trusting the certificate loads the page over https and echoes over wss', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: this test needs Debian's Chromium (apt-get update && apt-get install -y chromium)`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1', `--ignore-certificate-errors-spki-list=${spkiHash(cert)}`],
    });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`https://localhost:${server.port}/`);
      expect(response?.status()).toBe(200);
      const echo = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => socket.send('from https');
            socket.onmessage = (event) => resolve(String(event.data));
            socket.onclose = (event) => resolve(`closed ${event.code}`);
          }),
        `wss://localhost:${server.port}/echo`,
      );
      expect(echo).toBe('from https');
    } finally {
      await browser.close();
    }
  }, 30_000);
});
