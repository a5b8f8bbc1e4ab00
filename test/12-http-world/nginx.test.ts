/**
 * Chapter 12 behind a real reverse proxy: Debian's nginx, started by the test on loopback ports
 * with a generated configuration, TLS at nginx and plain HTTP to the demo (behind node:http).
 *
 * - the classic block (`proxy_http_version 1.1`, `Upgrade $http_upgrade`, `Connection` from a map)
 *   passes the upgrade: `wss://` through nginx echoes, and the conformance suite passes through it;
 * - a `location` without those lines forwards a plain GET, since `Upgrade` and `Connection` are
 *   hop-by-hop (RFC 9110 §7.6.1): the server answers 426 saying a proxy probably dropped them.
 *
 * Needs nginx and openssl (apt-get install -y nginx openssl): without them the tests fail and say so.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../server/demo/demo-server.ts';
import { allCases } from '../../tools/conformance/cases/index.ts';
import { runSuite } from '../../tools/conformance/runner.ts';
import { RawClient, upgradeRequest } from '../../tools/wire/index.ts';
import { echoOverWss, makeCertificate } from './real-parts.ts';
import { accepts, freePort } from '../helpers/ports.ts';

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

let dir: string;
let cert: Buffer;
let nginx: ChildProcess | undefined;
let demo: { port: number; close(): Promise<void> };
/** nginx's ports: TLS with the upgrade block, plain with it, plain without it. */
let ports: { tls: number; plain: number; stripped: number };

/** nginx's configuration: no system files, everything in `dir`, three servers in front of `backend`. */
function nginxConfig(backend: number): string {
  const upgrade = `
      proxy_http_version 1.1;
      proxy_set_header Upgrade $upgrade_to;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 60s;`;
  return `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  # Upgrade only from an HTTP/1.1 client: nginx would send an HTTP/1.0 client's Upgrade on as
  # HTTP/1.1, but RFC 9110 §7.8 says an Upgrade received in HTTP/1.0 must be ignored.
  map "$server_protocol:$http_upgrade" $upgrade_to { "~^HTTP/1\.1:(?<wanted>.+)$" $wanted; default ""; }
  map $upgrade_to $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${ports.tls} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / { proxy_pass http://127.0.0.1:${backend};${upgrade} }
  }
  server {
    listen 127.0.0.1:${ports.plain};
    location / { proxy_pass http://127.0.0.1:${backend};${upgrade} }
  }
  server {
    # The classic mistake: no Upgrade, no Connection, HTTP/1.0 to the server (nginx's default).
    listen 127.0.0.1:${ports.stripped};
    location / { proxy_pass http://127.0.0.1:${backend}; }
  }
}
`;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on ${port}: ${fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`);
}

beforeAll(async () => {
  const binary = NGINX_CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (binary === undefined) throw new Error("nginx is missing: these tests need Debian's nginx (apt-get update && apt-get install -y nginx)");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-nginx-'));
  ({ cert } = makeCertificate(dir));
  demo = await serve({ port: 0, host: '127.0.0.1', server: 'node-http' });
  ports = { tls: await freePort(), plain: await freePort(), stripped: await freePort() };
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(demo.port));
  nginx = spawn(binary, ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  for (const port of Object.values(ports)) await waitForPort(port, deadline);
}, 30_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await demo?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('RFC 9110 §7.6.1 — through nginx, which must pass the hop-by-hop Upgrade on', () => {
  it('wss:// to nginx (TLS there, plain HTTP to the server) echoes', async () => {
    const echo = await echoOverWss(`wss://localhost:${ports.tls}/echo`, cert, 'through nginx');
    expect(echo).toBe('through nginx');
  });

  it('the conformance suite passes through nginx', async () => {
    // The demo behind nginx runs without compression: the cases that need it (chapter 13) are left out.
    const cases = allCases.filter((item) => item.deflate !== true);
    const suite = await runSuite({ target: { host: '127.0.0.1', port: ports.plain, path: '/echo' }, cases });
    const failed = suite.results.filter((result) => result.status !== 'pass').map((result) => `${result.id} ${result.title}: ${result.reason ?? ""}`);
    expect(failed, 'conformance cases that did not pass through nginx').toEqual([]);
    expect(suite.passed, 'every case ran').toBe(cases.length);
  }, 120_000);

  it('a configuration that drops Upgrade and Connection gets the diagnostic 426', async () => {
    const client = await RawClient.connect(ports.stripped);
    try {
      await client.write(upgradeRequest({ path: '/echo' }));
      const response = await client.readHttpResponse();
      expect(response.status, client.transcript()).toBe(426);
      expect(new TextDecoder().decode(response.body), 'the body names the likely cause').toContain('a proxy between the client and this server probably dropped the hop-by-hop Upgrade');
    } finally {
      client.destroy();
    }
  });
});
