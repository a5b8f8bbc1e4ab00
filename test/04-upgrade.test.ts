/**
 * Chapter 04: the 101 response and the refusals (RFC 6455 §4.2; RFC 9110 §7.8, §15).
 * First the layer's functions on their own, then the running server over raw TCP and with the `ws`
 * package's client. Nothing here needs chapter 05: no frame is sent or expected.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, test } from 'vitest';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { HandshakeDecision, HttpResponse } from '@impl/04-upgrade/handshake.ts';
import {
  WEBSOCKET_VERSION,
  acceptResponse,
  decideHandshake,
  formatResponse,
  refusalResponse,
} from '@impl/04-upgrade/handshake.ts';
import { HttpError } from '../core/errors.ts';
import { closeTestServers, startTestServer } from './helpers/server.ts';
import { PROMPT_SILENCE_MS, RawClient, SAMPLE_ACCEPT, escaped, upgradeRequest } from '../tools/wire/index.ts';

const SEED_KEY = 'x3JJHMbDL1EzLkh9GBhXDw==';
const SEED_ACCEPT = 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=';

/** A request head as chapter 02's parser returns it: lower-cased names, values in order. */
function makeHead(fields: [string, string][], method = 'GET', target = '/chat', version = 'HTTP/1.1'): RequestHead {
  const headers = new Map<string, string[]>();
  for (const [name, value] of fields) headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), value]);
  return { method, target, version, headers };
}

const VALID: [string, string][] = [
  ['Host', 'server.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', SEED_KEY],
  ['Sec-WebSocket-Version', '13'],
];

/** VALID with `name` replaced by `value` (or left out when `value` is null). */
function withField(name: string, value: string | null): [string, string][] {
  const fields = VALID.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  return value === null ? fields : [...fields, [name, value]];
}

function show(head: RequestHead): string {
  const lines = [`${head.method} ${head.target} ${head.version}`];
  for (const [name, values] of head.headers) for (const value of values) lines.push(`${name}: ${value}`);
  return lines.join(' | ');
}

/** decideHandshake must accept: returns the websocket decision. */
function accepted(head: RequestHead, protocols: string[] = []): Extract<HandshakeDecision, { kind: 'websocket' }> {
  let decision: HandshakeDecision;
  try {
    decision = decideHandshake(head, { protocols });
  } catch (error) {
    const detail = error instanceof HttpError ? `HttpError ${error.status}: ${error.message}` : String(error);
    throw new Error(`expected the upgrade to be accepted (RFC 6455 §4.2.1), got ${detail}\nrequest: ${show(head)}`);
  }
  expect(decision.kind, `request: ${show(head)}`).toBe('websocket');
  return decision as Extract<HandshakeDecision, { kind: 'websocket' }>;
}

/** decideHandshake must refuse with `status`: returns the error. */
function refused(head: RequestHead, status: number, why: string): HttpError {
  let outcome: unknown;
  try {
    outcome = decideHandshake(head, { protocols: ['chat'] });
  } catch (error) {
    outcome = error;
  }
  const got =
    outcome instanceof HttpError ? `HttpError ${outcome.status} (${outcome.message})` : outcome instanceof Error ? String(outcome) : JSON.stringify(outcome);
  const ok = outcome instanceof HttpError && outcome.status === status;
  expect(ok, `expected HttpError ${status}: ${why}\nrequest: ${show(head)}\ngot ${got}`).toBe(true);
  return outcome as HttpError;
}

/** A response's header, looked up case-insensitively. */
function field(response: HttpResponse, name: string): string | undefined {
  return Object.entries(response.headers ?? {}).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('RFC 6455 §4.2.1: reading the client\'s handshake (decideHandshake)', () => {
  test('the chat example: accept value, path, subprotocol', () => {
    const head = makeHead([...VALID, ['Sec-WebSocket-Protocol', 'chat, superchat']]);
    const decision = accepted(head, ['chat']);
    expect(
      decision,
      `request: ${show(head)}\nserver protocols: ["chat"]\nRFC 6455 §4.2.2 step 5.4: the accept value of the key; step 4 (/subprotocol/) and 5.5: ONE subprotocol, chosen from the client's offer among those the server speaks`,
    ).toEqual({ kind: 'websocket', path: '/chat', accept: SEED_ACCEPT, protocol: 'chat' });
  });

  test('the path leaves out the query', () => {
    expect(accepted(makeHead(VALID, 'GET', '/chat?room=1')).path).toBe('/chat');
  });

  test('an absolute-form target (ws://host/chat?x) gives the path /chat (RFC 9112 §3.2.2)', () => {
    for (const target of ['ws://server.example.com/chat?x', 'http://server.example.com:8080/chat']) {
      const head = makeHead(VALID, 'GET', target);
      expect(
        accepted(head).path,
        `request: ${show(head)}\nrule: RFC 9112 §3.2.2: a server MUST accept the absolute-form of a request-target, ` +
          `scheme://authority/path?query; the path is what follows the authority, without the query (new URL(target).pathname)`,
      ).toBe('/chat');
    }
  });

  test.each([
    ['Upgrade: WebSocket (tokens are case-insensitive)', withField('Upgrade', 'WebSocket')],
    ['Connection: keep-alive, Upgrade (a list)', withField('Connection', 'keep-alive, Upgrade')],
    ['Connection: UPGRADE', withField('Connection', 'UPGRADE')],
    ['Connection on two lines', [...withField('Connection', 'keep-alive'), ['Connection', 'upgrade']] as [string, string][]],
    ['Upgrade listing another protocol first', withField('Upgrade', 'foo/2, websocket')],
    ['extra fields (Origin, User-Agent)', [...VALID, ['Origin', 'http://example.com'], ['User-Agent', 'test']] as [string, string][]],
  ])('accepts %s', (_, fields) => {
    expect(accepted(makeHead(fields)).accept).toBe(SEED_ACCEPT);
  });

  test.each([
    ['Upgrade: websockets', withField('Upgrade', 'websockets')],
    ['Upgrade: not-websocket', withField('Upgrade', 'not-websocket')],
    ['Upgrade: h2c', withField('Upgrade', 'h2c')],
  ])('%s is not an upgrade to WebSocket: the token must be "websocket" exactly (any case)', (_, fields) => {
    const head = makeHead(fields);
    let outcome: string;
    try {
      outcome = decideHandshake(head, { protocols: ['chat'] }).kind;
    } catch (error) {
      outcome = error instanceof HttpError ? 'refused' : String(error);
    }
    expect(
      outcome === 'http' || outcome === 'refused' ? 'not a WebSocket upgrade' : outcome,
      `request: ${show(head)}\nRFC 6455 §4.2.1 item 3: the Upgrade list must hold the token "websocket" (compare whole tokens, ASCII case-insensitively, not substrings): ` +
        'treat it as ordinary HTTP (kind "http") or refuse it',
    ).toBe('not a WebSocket upgrade');
  });

  test('a request without Upgrade is ordinary HTTP: the application answers it', () => {
    const decision = decideHandshake(makeHead([['Host', 'a']], 'GET', '/index.html?x'), { protocols: ['chat'] });
    expect(decision).toEqual({ kind: 'http', path: '/index.html' });
  });

  test.each([
    [405, 'a POST upgrade (RFC 6455 §4.1 item 2: the handshake is a GET)', makeHead(VALID, 'POST')],
    [400, 'HTTP/1.0 (RFC 6455 §4.2.1 item 1: HTTP/1.1 or higher; RFC 9110 §7.8: Upgrade in HTTP/1.0 is ignored)', makeHead(VALID, 'GET', '/chat', 'HTTP/1.0')],
    [400, 'no Host (RFC 6455 §4.2.1 item 2, RFC 9112 §3.2)', makeHead(withField('Host', null))],
    [400, 'two Host fields (RFC 9112 §3.2)', makeHead([...VALID, ['Host', 'other.example']])],
    [400, 'Connection without upgrade (RFC 6455 §4.2.1 item 4)', makeHead(withField('Connection', 'keep-alive'))],
    [400, 'no Connection (RFC 6455 §4.2.1 item 4)', makeHead(withField('Connection', null))],
    [400, 'Connection: upgraded is not the upgrade token', makeHead(withField('Connection', 'upgraded'))],
    [400, 'no Sec-WebSocket-Key (RFC 6455 §4.2.1 item 5)', makeHead(withField('Sec-WebSocket-Key', null))],
    [400, 'a key of 15 bytes (RFC 6455 §4.1 item 7)', makeHead(withField('Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAA'))],
    [400, 'two Sec-WebSocket-Key fields', makeHead([...VALID, ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']])],
    [426, 'no Sec-WebSocket-Version (RFC 6455 §4.2.1 item 6, §4.2.2 step 4 /version/)', makeHead(withField('Sec-WebSocket-Version', null))],
    [426, 'Sec-WebSocket-Version: 8 (RFC 6455 §4.2.2 step 4 /version/)', makeHead(withField('Sec-WebSocket-Version', '8'))],
    [426, 'Sec-WebSocket-Version: 13.0 (the version is the text "13", not a number that equals 13)', makeHead(withField('Sec-WebSocket-Version', '13.0'))],
    [405, 'a "get" in lower case (RFC 9110 §9.1: methods are case-sensitive, so it is not GET)', makeHead(VALID, 'get')],
  ])('refuses with %i: %s', (status, why, head) => {
    refused(head, status, why);
  });

  test('405 says Allow: GET (RFC 9110 §15.5.6)', () => {
    const error = refused(makeHead(VALID, 'PUT'), 405, 'a PUT upgrade');
    expect(error.headers['Allow'] ?? error.headers['allow']).toBe('GET');
  });

  test('426 says Sec-WebSocket-Version: 13 (RFC 6455 §4.2.2 step 4 /version/, §4.4)', () => {
    const error = refused(makeHead(withField('Sec-WebSocket-Version', '12')), 426, 'version 12');
    const version = Object.entries(error.headers).find(([n]) => n.toLowerCase() === 'sec-websocket-version')?.[1];
    expect(version, 'RFC 6455 §4.2.2 step 4 (/version/): the 426 lists the versions this server speaks, in Sec-WebSocket-Version (§4.4 shows that list)').toBe(WEBSOCKET_VERSION);
    expect(WEBSOCKET_VERSION).toBe('13');
  });

  test('the 426 response names the protocol to upgrade to: Upgrade: websocket, Connection listing upgrade (RFC 9110 §15.5.22, §7.8)', () => {
    const error = refused(makeHead(withField('Sec-WebSocket-Version', '8')), 426, 'version 8');
    const response = refusalResponse(error);
    const wire = text(formatResponse(response));
    expect(
      field(response, 'Upgrade')?.toLowerCase(),
      `RFC 9110 §15.5.22: a server MUST send Upgrade in a 426 response; got "${escaped(formatResponse(response))}"`,
    ).toBe('websocket');
    const connection = (field(response, 'Connection') ?? '').split(',').map((token) => token.trim().toLowerCase());
    expect(
      connection,
      `RFC 9110 §7.8: a response that sends Upgrade also lists "upgrade" in Connection; got "${escaped(Buffer.from(wire, 'latin1'))}"`,
    ).toContain('upgrade');
  });
});

describe('RFC 6455 §4.2.2 step 4 (/subprotocol/), sent by step 5.5: choosing a subprotocol', () => {
  const offer = (value: string | null): RequestHead =>
    makeHead(value === null ? VALID : [...VALID, ['Sec-WebSocket-Protocol', value]]);

  test('the server\'s preference wins among the protocols the client offered', () => {
    expect(accepted(offer('chat, superchat'), ['superchat', 'chat']).protocol).toBe('superchat');
    expect(accepted(offer('superchat, chat'), ['chat', 'superchat']).protocol).toBe('chat');
  });

  test('offers on several lines count', () => {
    const head = makeHead([...VALID, ['Sec-WebSocket-Protocol', 'a'], ['Sec-WebSocket-Protocol', 'chat']]);
    expect(accepted(head, ['chat']).protocol).toBe('chat');
  });

  test('never a protocol nobody offered; none when nothing matches', () => {
    expect(accepted(offer('superchat'), ['chat']).protocol, 'the client did not offer chat').toBeNull();
    expect(accepted(offer(null), ['chat']).protocol, 'the client offered nothing').toBeNull();
    expect(accepted(offer('chat'), []).protocol, 'the server speaks no subprotocol').toBeNull();
  });
});

describe('RFC 6455 §4.2.2 item 5: the 101 response (acceptResponse, formatResponse)', () => {
  test('101 with Upgrade, Connection, Sec-WebSocket-Accept and the chosen subprotocol', () => {
    const response = acceptResponse({ kind: 'websocket', path: '/chat', accept: SEED_ACCEPT, protocol: 'chat' });
    expect(response.status).toBe(101);
    expect(field(response, 'Upgrade')?.toLowerCase()).toBe('websocket');
    expect(field(response, 'Connection')?.toLowerCase()).toBe('upgrade');
    expect(field(response, 'Sec-WebSocket-Accept')).toBe(SEED_ACCEPT);
    expect(field(response, 'Sec-WebSocket-Protocol')).toBe('chat');
  });

  test('no Sec-WebSocket-Protocol when none was chosen', () => {
    const response = acceptResponse({ kind: 'websocket', path: '/', accept: SAMPLE_ACCEPT, protocol: null });
    expect(field(response, 'Sec-WebSocket-Protocol')).toBeUndefined();
  });

  test('the bytes: status line, CRLF after every line, an empty line, no body and no Content-Length', () => {
    const bytes = formatResponse(acceptResponse({ kind: 'websocket', path: '/', accept: SAMPLE_ACCEPT, protocol: null }));
    const wire = text(bytes);
    const shown = `got "${escaped(bytes)}"`;
    expect(wire.startsWith('HTTP/1.1 101 Switching Protocols\r\n'), `the status line (RFC 9112 §4); ${shown}`).toBe(true);
    expect(wire.endsWith('\r\n\r\n'), `the head ends with an empty line: CRLF CRLF (RFC 9112 §2.1); ${shown}`).toBe(true);
    expect(/(^|[^\r])\n/.test(wire), `every line ends with CRLF, never a bare LF (RFC 9112 §2.2); ${shown}`).toBe(false);
    expect(wire.indexOf('\r\n\r\n'), `nothing after the empty line: a 101 has no body; ${shown}`).toBe(wire.length - 4);
    expect(/content-length/i.test(wire), `RFC 9110 §8.6: no Content-Length in a 1xx response; ${shown}`).toBe(false);
    const lines = wire.slice(0, -4).split('\r\n').slice(1);
    expect(lines.map((line) => line.toLowerCase()).sort()).toEqual(
      ['connection: upgrade', 'sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=', 'upgrade: websocket'].sort(),
    );
    expect(lines, 'the accept value exactly as computed (base64 is case-sensitive)').toContain(`Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}`);
  });

  test('a body gets Content-Length in bytes (not characters) and follows the empty line', () => {
    const bytes = formatResponse({ status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'déjà vu\n' });
    const wire = text(bytes);
    expect(wire.startsWith('HTTP/1.1 400 Bad Request\r\n'), `got "${escaped(bytes)}"`).toBe(true);
    expect(/\r\nContent-Length: 10\r\n/i.test(wire), `"déjà vu\\n" is 10 bytes in UTF-8; got "${escaped(bytes)}"`).toBe(true);
    const end = wire.indexOf('\r\n\r\n') + 4;
    expect(Buffer.from(bytes.subarray(end)).toString('utf8')).toBe('déjà vu\n');
  });

  test('a header value with CR or LF is refused: no response splitting (RFC 9110 §5.5, RFC 9112 §4)', () => {
    const clean = text(formatResponse({ status: 200, headers: { 'X-Note': 'fine' } }));
    expect(clean.includes('\r\nX-Note: fine\r\n'), `formatResponse with X-Note: "fine" gave "${escaped(Buffer.from(clean, 'latin1'))}"`).toBe(true);
    for (const value of ['a\r\nSet-Cookie: evil=1', 'a\nX-Injected: 1', 'a\rb']) {
      let outcome: string;
      try {
        outcome = `the response "${escaped(formatResponse({ status: 200, headers: { 'X-Note': value } }))}"`;
      } catch (error) {
        outcome = 'thrown';
        expect(error, 'refuse with an Error').toBeInstanceOf(Error);
      }
      expect(
        outcome,
        `formatResponse with the header X-Note: "${escaped(Buffer.from(value, 'latin1'))}": a field value may not hold CR or LF ` +
          `(RFC 9110 §5.5), else whoever chose the value writes extra header lines or a whole response of their own ` +
          `(response splitting). Expected it to throw; got`,
      ).toBe('thrown');
    }
  });

  test('a Uint8Array body is sent as is', () => {
    const bytes = formatResponse({ status: 200, body: Uint8Array.of(0, 1, 2) });
    expect(text(bytes).startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(/\r\nContent-Length: 3\r\n/i.test(text(bytes)), `got "${escaped(bytes)}"`).toBe(true);
    expect(Array.from(bytes.subarray(bytes.length - 3))).toEqual([0, 1, 2]);
  });
});

describe('RFC 6455 §4.2.1, §4.2.2 step 4: refusals (refusalResponse)', () => {
  test('the status, the error\'s headers, and a short text body saying why', () => {
    const response = refusalResponse(new HttpError(426, 'unsupported Sec-WebSocket-Version 8', { 'Sec-WebSocket-Version': '13' }));
    expect(response.status).toBe(426);
    expect(field(response, 'Sec-WebSocket-Version')).toBe('13');
    const body = typeof response.body === 'string' ? response.body : Buffer.from(response.body ?? []).toString();
    expect(body, 'the body tells a human what was wrong').toContain('unsupported Sec-WebSocket-Version 8');
    const wire = text(formatResponse(response));
    expect(wire.startsWith('HTTP/1.1 426 Upgrade Required\r\n'), wire).toBe(true);
    expect(/\r\ncontent-length: \d+\r\n/i.test(wire), 'a refusal has a body, so it needs Content-Length').toBe(true);
    const connection = (field(response, 'Connection') ?? '').split(',').map((token) => token.trim().toLowerCase());
    expect(
      connection,
      `the server closes the connection after a refusal, so the response says Connection: close (RFC 9112 §9.6); got "${escaped(Buffer.from(wire, 'latin1'))}"`,
    ).toContain('close');
  });
});

describe('on the wire: the running server (protocols: chat)', () => {
  afterEach(closeTestServers);

  async function request(port: number, bytes: string | Uint8Array): Promise<{ client: RawClient; status: number; response: Awaited<ReturnType<RawClient['readHttpResponse']>> }> {
    const client = await RawClient.connect(port, { silenceMs: PROMPT_SILENCE_MS });
    await client.write(bytes);
    const response = await client.readHttpResponse();
    return { client, status: response.status, response };
  }

  /** The seed request still gets its 101: the server survived whatever came before. */
  async function expectStillServing(port: number, after: string): Promise<void> {
    const { client, status } = await request(port, upgradeRequest({ key: SEED_KEY, path: '/chat' }));
    if (status !== 101) client.fail(`after ${after}, a valid handshake on a new connection should still get 101 (RFC 6455 §4.2.2)`);
    client.destroy();
  }

  test('the chat example gets exactly its 101', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const seed = upgradeRequest({ key: SEED_KEY, path: '/chat', host: 'server.example.com', protocols: ['chat', 'superchat'] });
    const { client, response } = await request(server.port, seed);
    if (response.status !== 101 || response.reason !== 'Switching Protocols') {
      client.fail('expected "HTTP/1.1 101 Switching Protocols" (RFC 6455 §4.2.2)');
    }
    const expected: [string, string][] = [
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-accept', SEED_ACCEPT],
      ['sec-websocket-protocol', 'chat'],
    ];
    for (const [name, value] of expected) {
      const got = response.headers.get(name);
      if (got?.length !== 1 || got[0]!.toLowerCase() !== value.toLowerCase()) {
        client.fail(`expected exactly one "${name}: ${value}" in the 101 (RFC 6455 §4.2.2 item 5)`);
      }
    }
    if (response.headers.get('sec-websocket-accept')![0] !== SEED_ACCEPT) {
      client.fail(`expected Sec-WebSocket-Accept: ${SEED_ACCEPT} exactly (RFC 6455 §4.2.2 item 5.4)`);
    }
    if (response.headers.has('content-length')) client.fail('a 101 carries no Content-Length (RFC 9110 §8.6)');
    client.destroy();
  });

  test('a handshake sent one byte at a time gets its 101', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const client = await RawClient.connect(server.port, { silenceMs: PROMPT_SILENCE_MS });
    for (const byte of Buffer.from(upgradeRequest({ key: SEED_KEY }))) await client.write(Uint8Array.of(byte));
    const response = await client.readHttpResponse();
    if (response.status !== 101) client.fail('expected 101 for a request that arrived one byte per TCP write (RFC 6455 §4.2.2)');
    if (response.headers.get('sec-websocket-accept')?.[0] !== SEED_ACCEPT) client.fail(`expected Sec-WebSocket-Accept: ${SEED_ACCEPT}`);
    client.destroy();
  });

  test.each([
    [405, 'a POST upgrade (RFC 6455 §4.2.1)', upgradeRequest({ method: 'POST' }), { allow: 'GET' }],
    [426, 'Sec-WebSocket-Version: 8 (RFC 6455 §4.2.2 step 4)', upgradeRequest({ version: '8' }), { 'sec-websocket-version': '13', upgrade: 'websocket' }],
    [426, 'no Sec-WebSocket-Version (RFC 6455 §4.2.2 step 4)', upgradeRequest({ headers: { 'Sec-WebSocket-Version': null } }), { 'sec-websocket-version': '13', upgrade: 'websocket' }],
    [400, 'no Sec-WebSocket-Key (RFC 6455 §4.2.1)', upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } }), {}],
    [400, 'an invalid Sec-WebSocket-Key (RFC 6455 §4.1)', upgradeRequest({ key: 'not-a-key' }), {}],
    [
      400,
      'two Sec-WebSocket-Key fields',
      upgradeRequest().replace('\r\n\r\n', `\r\nSec-WebSocket-Key: ${SEED_KEY}\r\n\r\n`),
      {},
    ],
    [400, 'no Host (RFC 9112 §3.2)', upgradeRequest({ host: null }), {}],
    [400, 'Connection: keep-alive only (RFC 6455 §4.2.1)', upgradeRequest({ headers: { Connection: 'keep-alive' } }), {}],
    [400, 'HTTP/1.0 (RFC 6455 §4.2.1 item 1)', upgradeRequest({ httpVersion: 'HTTP/1.0' }), {}],
  ])('%i for %s, with a body that says why, then the TCP close', async (status, why, bytes, fields) => {
    const server = await startTestServer({ protocols: ['chat'] });
    const { client, response } = await request(server.port, bytes);
    if (response.status !== status) client.fail(`expected ${status} for ${why}`);
    for (const [name, value] of Object.entries(fields)) {
      if (response.headers.get(name)?.[0]?.toLowerCase() !== value.toLowerCase()) {
        client.fail(`expected "${name}: ${value}" with the ${status} (${name === 'upgrade' ? 'RFC 9110 §15.5.22' : why})`);
      }
    }
    const connection = (response.headers.get('connection') ?? []).flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase());
    if (!connection.includes('close')) {
      client.fail(`expected "Connection: close" with the ${status}: the server closes the connection after a refusal (RFC 9112 §9.6)`);
    }
    if (!response.headers.has('content-length')) client.fail(`a refusal's body needs Content-Length (RFC 9110 §8.6)`);
    if (response.body.length === 0) client.fail('expected a short text body saying why the handshake was refused');
    await client.expectClosed();
  });

  test('a plain GET is ordinary HTTP: the default application answers 426', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const { client, response } = await request(server.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    if (response.status !== 426) client.fail('expected the application\'s answer to a request without Upgrade: 426');
    if (response.headers.get('sec-websocket-version')?.[0] !== '13') client.fail('expected Sec-WebSocket-Version: 13 with the 426');
    await client.expectClosed();
  });

  test('garbage gets 400 and the server keeps serving', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const garbage = Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0xff, 0x20, 0x00, ...Buffer.from('garbage\r\n\r\n'));
    const { client, response } = await request(server.port, garbage);
    if (response.status !== 400) client.fail('expected 400 Bad Request for bytes that are not HTTP (RFC 9112 §3)');
    await client.expectClosed();
    await expectStillServing(server.port, 'garbage');
  });

  test('a 64 KiB header block gets 431 and the server keeps serving', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const client = await RawClient.connect(server.port, { silenceMs: PROMPT_SILENCE_MS });
    await client.write('GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const line = `X-Filler: ${'f'.repeat(1000)}\r\n`;
    for (let i = 0; i < 64; i++) {
      await client.write(line);
      if (client.closedByPeer) break;
    }
    const response = await client.readHttpResponse();
    if (response.status !== 431) client.fail('expected 431 Request Header Fields Too Large past 8 KiB (RFC 6585 §5)');
    await client.expectClosed();
    await expectStillServing(server.port, 'a 64 KiB header block');
  });

  test('a client that resets in the middle of its request does not stop the server', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const rude = await RawClient.connect(server.port);
    await rude.write('GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr');
    await new Promise((resolve) => setTimeout(resolve, 20));
    rude.reset();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectStillServing(server.port, 'a client reset');
  });

  test('the ws package\'s client opens a connection, with subprotocol chat when offered', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const open = (protocols: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${server.port}/chat`, protocols);
        const timer = setTimeout(() => {
          socket.terminate();
          reject(new Error(`waited ${PROMPT_SILENCE_MS} ms for the ws client's open event`));
        }, PROMPT_SILENCE_MS);
        socket.on('open', () => {
          clearTimeout(timer);
          const protocol = socket.protocol;
          socket.terminate();
          resolve(protocol);
        });
        socket.on('unexpected-response', (_request, response) => {
          clearTimeout(timer);
          socket.terminate();
          reject(new Error(`the ws client got ${response.statusCode} instead of 101 (RFC 6455 §4.2.2)`));
        });
        socket.on('error', (error) => {
          clearTimeout(timer);
          reject(new Error(`the ws client refused the handshake: ${error.message}`));
        });
      });
    expect(await open(['chat', 'superchat'])).toBe('chat');
    expect(await open([]), 'no subprotocol when none was offered').toBe('');
  });
});
