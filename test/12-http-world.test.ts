/**
 * Chapter 12: WebSocket inside the HTTP world — one port shared with an HTTP application
 * (node:http and Express), the same refusals as the dedicated server, and the handshake decided with
 * HTTP's own means (redirect, Origin, token, an asynchronous hook), on the wire with real clients.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HttpError } from '../core/errors.ts';
import { requestHeadFromNode } from '@impl/12-http-world/node-request.ts';
import { checkHandshake, checkOrigin, checkRedirect, checkToken, presentedToken } from '@impl/12-http-world/policy.ts';
import type { HandshakePolicy } from '@impl/12-http-world/policy.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import { WebSocketServer } from '../server/app/websocket-server.ts';
import { serve } from '../server/demo/demo-server.ts';
import type { ServerMode } from '../server/demo/http-demo.ts';
import { RawClient, escaped, text, upgradeRequest } from '../tools/wire/index.ts';
import type { UpgradeRequestOptions } from '../tools/wire/index.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function demo(mode: ServerMode, extra: Parameters<typeof serve>[0] = {}): Promise<number> {
  const server = await serve({ port: 0, host: '127.0.0.1', server: mode, ...extra });
  closers.push(() => server.close());
  return server.port;
}

/** A node:http server whose upgrades go to a noServer WebSocketServer with `policy`; echoes messages. */
async function policyServer(policy: HandshakePolicy): Promise<number> {
  const sockets = new WebSocketServer({ noServer: true, policy });
  sockets.on('connection', (socket) => socket.on('message', (data) => void socket.send(data)));
  const server = http.createServer((_request, response) => response.end('page\n'));
  server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head, (client, requestHead) => sockets.emit('connection', client, requestHead)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    await sockets.close({ timeout: 200 });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Map<string, string[]>;
  readonly transcript: string;
}

/** Sends `request` (bytes or handshake options) on a raw socket and reads one HTTP response. */
async function answer(port: number, request: string | UpgradeRequestOptions): Promise<Answer> {
  const client = await RawClient.connect(port);
  try {
    await client.write(typeof request === 'string' ? request : upgradeRequest(request));
    const response = await client.readHttpResponse();
    return { status: response.status, body: new TextDecoder().decode(response.body), headers: response.headers, transcript: client.transcript() };
  } finally {
    client.destroy();
  }
}

/** Opens a `ws` client, resolving with it once OPEN, or rejecting with the refusal's status. */
function connect(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url, protocols, options);
    client.once('open', () => resolve(client));
    client.once('unexpected-response', (_request, response) => {
      reject(new Error(`refused with ${response.statusCode} ${response.headers['location'] ?? ''}`.trim()));
      client.terminate();
    });
    client.once('error', reject);
  });
}

async function echoOnce(client: WebSocket, message: string): Promise<string> {
  const echoed = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))));
  client.send(message);
  const result = await echoed;
  client.close();
  return result;
}

function head(target: string, fields: Array<[string, string]>): RequestHead {
  const headers = new Map<string, string[]>();
  for (const [name, value] of fields) headers.set(name, [...(headers.get(name) ?? []), value]);
  return { method: 'GET', target, version: 'HTTP/1.1', headers };
}

/** Runs `check` and returns the HttpError it threw (fails when it throws nothing or something else). */
function refusal(check: () => unknown): HttpError {
  try {
    check();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError, but the check passed');
}

describe('RFC 6455 §4.2.1 — the request node:http parsed, as a RequestHead', () => {
  it('keeps every header line from rawHeaders: names lower-cased, repeated names in order', () => {
    const built = requestHeadFromNode({
      method: 'GET',
      url: '/chat?room=1',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'a.example', 'Upgrade', 'websocket', 'HOST', 'b.example', 'X-List', 'one'],
    });
    expect(built.method).toBe('GET');
    expect(built.target).toBe('/chat?room=1');
    expect(built.version, 'the version as chapter 02 writes it').toBe('HTTP/1.1');
    expect(built.headers.get('host'), 'both Host lines: request.headers would keep only the first (RFC 9112 §3.2)').toEqual(['a.example', 'b.example']);
    expect(built.headers.get('x-list')).toEqual(['one']);
  });

  it('refuses more fields than the limit with 431, as chapter 02 does (RFC 6585 §5)', () => {
    const rawHeaders = Array.from({ length: 5 }, (_, i) => [`X-${i}`, 'v']).flat();
    const error = refusal(() => requestHeadFromNode({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders }, { maxHeadBytes: 8192, maxHeaders: 4 }));
    expect(error.status).toBe(431);
    expect(error.message).toBe('more than 4 header fields (RFC 6585 §5)');
    expect(() => requestHeadFromNode({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders }, { maxHeadBytes: 8192, maxHeaders: 5 })).not.toThrow();
  });

  it('refuses a head longer than the limit with 431, counting it as the bytes chapter 02 would have read', () => {
    // "GET / HTTP/1.1\r\n" (16) + "Host: a\r\n" (9) + "\r\n" (2) = 27 bytes.
    const request = { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: ['Host', 'a'] };
    expect(requestHeadFromNode(request, { maxHeadBytes: 27, maxHeaders: 100 }).headers.get('host')).toEqual(['a']);
    const error = refusal(() => requestHeadFromNode(request, { maxHeadBytes: 26, maxHeaders: 100 }));
    expect(error.status).toBe(431);
    expect(error.message).toBe('the request head is longer than 26 bytes (RFC 6585 §5)');
  });
});

describe('One port: a page, a JSON endpoint and WebSocket endpoints (node:http and Express)', () => {
  for (const mode of ['node-http', 'express'] as const) {
    it(`${mode}: serves the page and the JSON endpoint, echoes on /echo and joins the chat on /chat`, async () => {
      const port = await demo(mode);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const status = await fetch(`http://127.0.0.1:${port}/api/status`);
      expect(status.headers.get('content-type')).toContain('application/json');
      expect(await status.json()).toMatchObject({ clients: 0, server: mode });
      expect(await echoOnce(await connect(`ws://127.0.0.1:${port}/echo`), 'hello')).toBe('hello');
      const chat = await connect(`ws://127.0.0.1:${port}/chat`, {}, ['chat']);
      expect(chat.protocol, 'the demo picks the chat subprotocol in every mode').toBe('chat');
      expect(await echoOnce(chat, 'to the room')).toBe('to the room');
    });
  }

  it('reads a first frame that came in the same packet as the request (node:http hands it over as `head`)', async () => {
    const port = await demo('node-http');
    const client = await RawClient.connect(port);
    try {
      const request = new TextEncoder().encode(upgradeRequest({ path: '/echo' }));
      const frame = text('early');
      const both = new Uint8Array(request.length + frame.length);
      both.set(request, 0);
      both.set(frame, request.length);
      await client.write(both);
      expect((await client.readHttpResponse()).status).toBe(101);
      const echoed = await client.readFrame();
      expect(new TextDecoder().decode(echoed.payload), `the echo of the frame sent with the head\n${client.transcript()}`).toBe('early');
    } finally {
      client.destroy();
    }
  });

  /** Requests node:http lets through (or answers itself) that a WebSocket server must refuse. */
  const refusals: Array<[string, string | UpgradeRequestOptions]> = [
    ['an HTTP/1.0 upgrade', { path: '/echo', httpVersion: 'HTTP/1.0' }],
    ['a missing Host', { path: '/echo', host: null }],
    ['two Host fields', { path: '/echo', appendHeaders: [['Host', 'other.example']] }],
    ['two Sec-WebSocket-Key fields', { path: '/echo', appendHeaders: [['Sec-WebSocket-Key', 'AQIDBAUGBwgJCgsMDQ4PEA==']] }],
    ['101 header fields', { path: '/echo', appendHeaders: Array.from({ length: 96 }, (_, i): [string, string] => [`X-Field-${i}`, 'v']) }],
    ['a 9 KiB head', { path: '/echo', appendHeaders: [['X-Big', 'a'.repeat(9 * 1024)]] }],
    ['a 20 KiB head (node:http refuses it itself)', { path: '/echo', appendHeaders: [['X-Big', 'a'.repeat(20 * 1024)]] }],
    ['version 8', { path: '/echo', version: '8' }],
    ['a POST upgrade', { path: '/echo', method: 'POST' }],
    ['a plain GET to a WebSocket path', 'GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ];
  for (const [what, request] of refusals) {
    it(`answers ${what} with the dedicated server's status and body`, async () => {
      const dedicated = await answer(await demo('dedicated'), request);
      const shared = await answer(await demo('node-http'), request);
      expect(dedicated.status, `the dedicated server refuses it\n${dedicated.transcript}`).toBeGreaterThanOrEqual(400);
      expect(
        { status: shared.status, body: shared.body },
        `behind node:http, the same answer as the dedicated server (${dedicated.status} ${escaped(dedicated.body)})\n${shared.transcript}`,
      ).toEqual({ status: dedicated.status, body: dedicated.body });
    });
  }
});

describe('RFC 6455 §10.2 — the Origin allow-list', () => {
  it('checkOrigin: a listed origin or none passes; another gets 403', () => {
    const allowed = ['https://app.example'];
    expect(() => checkOrigin(head('/', [['origin', 'https://app.example']]), allowed)).not.toThrow();
    expect(() => checkOrigin(head('/', [['origin', 'HTTPS://APP.example']]), allowed), 'scheme and host are case-insensitive').not.toThrow();
    expect(() => checkOrigin(head('/', []), allowed), 'no Origin: not a browser page').not.toThrow();
    expect(() => checkOrigin(head('/', [['origin', 'https://evil.example']]), undefined), 'no list: every origin').not.toThrow();
    expect(refusal(() => checkOrigin(head('/', [['origin', 'https://evil.example']]), allowed)).status).toBe(403);
    expect(refusal(() => checkOrigin(head('/', [['origin', 'null']]), allowed)).status, 'the opaque origin of a sandboxed page').toBe(403);
  });

  it('on the wire: a foreign Origin gets 403 before any 101; a listed one connects', async () => {
    const port = await policyServer({ allowedOrigins: ['http://app.example'] });
    const foreign = await answer(port, { path: '/echo', headers: { Origin: 'http://evil.example' } });
    expect(foreign.status, foreign.transcript).toBe(403);
    expect(foreign.body).toContain('http://evil.example');
    expect(await echoOnce(await connect(`ws://127.0.0.1:${port}/echo`, { origin: 'http://app.example' }), 'ok')).toBe('ok');
  });
});

describe('RFC 6455 §4.2.2 step 3 — a token before the 101 (RFC 6750)', () => {
  it('presentedToken: Authorization: Bearer, else the token cookie, else ?token=', () => {
    expect(presentedToken(head('/', [['authorization', 'Bearer abc']]))).toBe('abc');
    expect(presentedToken(head('/', [['authorization', 'bearer  abc']])), 'the scheme is case-insensitive').toBe('abc');
    expect(presentedToken(head('/', [['cookie', 'theme=dark; token=xyz; other=1']]))).toBe('xyz');
    expect(presentedToken(head('/', [['cookie', 'mytoken=no']])), 'only a cookie named exactly token').toBe(null);
    expect(presentedToken(head('/chat?room=1&token=q%20r', []))).toBe('q r');
    expect(presentedToken(head('/chat', [['authorization', 'Basic dTpw']]))).toBe(null);
  });

  it('checkToken: none → 401 with a Bearer challenge; a wrong one → 401 invalid_token; the right one passes', () => {
    const missing = refusal(() => checkToken(head('/', []), 's3cret'));
    expect(missing.status).toBe(401);
    expect(missing.headers['WWW-Authenticate']).toBe('Bearer realm="websocket"');
    const wrong = refusal(() => checkToken(head('/', [['authorization', 'Bearer nope']]), 's3cret'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    expect(() => checkToken(head('/', [['authorization', 'Bearer s3cret']]), 's3cret')).not.toThrow();
    expect(() => checkToken(head('/', []), undefined), 'no secret: no token asked for').not.toThrow();
  });

  it('on the wire: 401 with WWW-Authenticate without a token; header, cookie and query each connect', async () => {
    const port = await policyServer({ token: 's3cret' });
    const none = await answer(port, { path: '/echo' });
    expect(none.status, none.transcript).toBe(401);
    expect(none.headers.get('www-authenticate')).toEqual(['Bearer realm="websocket"']);
    const url = `ws://127.0.0.1:${port}/echo`;
    expect(await echoOnce(await connect(url, { headers: { Authorization: 'Bearer s3cret' } }), 'header')).toBe('header');
    expect(await echoOnce(await connect(url, { headers: { Cookie: 'token=s3cret' } }), 'cookie')).toBe('cookie');
    expect(await echoOnce(await connect(`${url}?token=s3cret`), 'query')).toBe('query');
    await expect(connect(`${url}?token=wrong`)).rejects.toThrow('refused with 401');
  });
});

describe('RFC 9110 §15.4.9 — a redirect for a moved endpoint', () => {
  it('checkRedirect: 308 with Location, the query kept', () => {
    const moved = refusal(() => checkRedirect(head('/old?room=2', []), '/old', { '/old': '/new' }));
    expect(moved.status).toBe(308);
    expect(moved.headers['Location']).toBe('/new?room=2');
    expect(() => checkRedirect(head('/toString', []), '/toString', { '/old': '/new' }), 'only the map\'s own keys').not.toThrow();
  });

  it('on the wire: ws fails on the 308 by default and follows it with followRedirects', async () => {
    const port = await policyServer({ redirects: { '/old': '/echo' } });
    await expect(connect(`ws://127.0.0.1:${port}/old`)).rejects.toThrow('refused with 308 /echo');
    const followed = await connect(`ws://127.0.0.1:${port}/old`, { followRedirects: true });
    expect(followed.url).toBe(`ws://127.0.0.1:${port}/echo`);
    expect(await echoOnce(followed, 'moved')).toBe('moved');
  });
});

describe('An asynchronous verifyClient hook', () => {
  it('checkHandshake runs the checks in order: redirect, Origin, token, then the hook', async () => {
    const seen: string[] = [];
    const policy: HandshakePolicy = {
      redirects: { '/old': '/new' },
      allowedOrigins: ['https://app.example'],
      token: 't',
      verifyClient: () => void seen.push('hook'),
    };
    const foreignWithoutToken = head('/old', [['origin', 'https://evil.example']]);
    expect(refusal(() => checkHandshake(foreignWithoutToken, '/old', policy)).status, 'the redirect first').toBe(308);
    expect(refusal(() => checkHandshake(foreignWithoutToken, '/x', policy)).status, 'then the Origin').toBe(403);
    expect(refusal(() => checkHandshake(head('/x', [['origin', 'https://app.example']]), '/x', policy)).status, 'then the token').toBe(401);
    expect(seen, 'the hook runs only after the other checks passed').toEqual([]);
    await checkHandshake(head('/x', [['origin', 'https://app.example'], ['authorization', 'Bearer t']]), '/x', policy);
    expect(seen).toEqual(['hook']);
    await expect(checkHandshake(head('/x', []), '/x', { verifyClient: () => Promise.reject(new HttpError(401, 'no session')) })).rejects.toThrow('no session');
  });

  it('on the wire: the hook can take its time, refuse with its own status, and frames sent meanwhile are kept', async () => {
    const sessions = new Set(['alice']);
    const port = await policyServer({
      verifyClient: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const user = new URLSearchParams(request.target.split('?')[1] ?? '').get('user') ?? '';
        if (!sessions.has(user)) throw new HttpError(403, `no session for ${JSON.stringify(user)}`);
      },
    });
    const refused = await answer(port, { path: '/echo?user=mallory' });
    expect(refused.status, refused.transcript).toBe(403);
    expect(refused.body).toBe('no session for "mallory"\n');
    // A client that does not wait for the 101 before its first frame (RFC 6455 §4.1 says a client
    // waits, but bytes in flight are the server's to keep).
    const client = await RawClient.connect(port);
    try {
      await client.write(upgradeRequest({ path: '/echo?user=alice' }));
      await client.write(text('sent during the hook'));
      expect((await client.readHttpResponse()).status).toBe(101);
      expect(new TextDecoder().decode((await client.readFrame()).payload), client.transcript()).toBe('sent during the hook');
    } finally {
      client.destroy();
    }
  });
});
