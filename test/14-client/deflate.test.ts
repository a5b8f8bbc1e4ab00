/**
 * permessage-deflate from the client's side (RFC 7692), against the `ws` package's server with
 * compression on: the offer is accepted, messages go both ways compressed (the server's socket
 * counts the bytes that really arrive), and the server's choices of no context takeover are kept.
 */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer, type PerMessageDeflateOptions } from 'ws';
import { HandshakeError, WebSocketClient } from '../../server/app/client.ts';
import { acceptDeflate } from '../../server/wiring/client-deflate.ts';
import { afterThisTest } from '../interop/servers.ts';

/** A ws echo server with permessage-deflate; `received()` is how many bytes its sockets read. */
async function deflateServer(perMessageDeflate: PerMessageDeflateOptions): Promise<{ url: string; received: () => number }> {
  const server = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0, ...perMessageDeflate } });
  let received = 0;
  server.on('connection', (socket, request) => {
    (request.socket as net.Socket).on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  afterThisTest(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, received: () => received };
}

async function open(url: string, options: ConstructorParameters<typeof WebSocketClient>[2]): Promise<WebSocketClient> {
  const client = await WebSocketClient.connect(url, [], { handshakeTimeout: 5000, ...options });
  afterThisTest(() => client.terminate());
  return client;
}

function echo(client: WebSocketClient, data: string | Uint8Array): Promise<string | Uint8Array> {
  const answer = new Promise<string | Uint8Array>((resolve) => client.once('message', (message) => resolve(message)));
  client.send(data);
  return answer;
}

/** 256 KiB of text that compresses well: a line repeated with a counter. */
const bigText = Array.from({ length: 8192 }, (_, i) => `line ${i % 100} of a compressible text\n`).join('').slice(0, 256 * 1024);

describe('RFC 7692: permessage-deflate from the client (a ws server)', () => {
  it('the offer is accepted; a 256 KiB text goes out compressed and comes back whole (§6.1, §7.2)', async () => {
    const server = await deflateServer({});
    const client = await open(server.url, { perMessageDeflate: true });
    expect(client.extensions).toMatch(/^permessage-deflate\b/);
    const before = server.received();
    expect(await echo(client, bigText)).toBe(bigText);
    const sent = server.received() - before;
    expect(sent, `the server read ${sent} bytes for a 256 KiB message: it was not compressed`).toBeLessThan(bigText.length / 10);
  });

  it('binary messages and small ones (under the threshold, sent plain) round-trip too', async () => {
    const server = await deflateServer({});
    const client = await open(server.url, { perMessageDeflate: { threshold: 64 } });
    expect(await echo(client, 'hi')).toBe('hi');
    const bytes = new Uint8Array(100_000).map((_, i) => i % 7);
    const back = (await echo(client, bytes)) as Uint8Array;
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it('with no context takeover on both sides, many messages in a row stay intact (§7.1.1)', async () => {
    const server = await deflateServer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10 });
    const client = await open(server.url, { perMessageDeflate: true });
    expect(client.extensions).toContain('server_no_context_takeover');
    expect(client.extensions).toContain('client_no_context_takeover');
    for (let i = 0; i < 5; i++) expect(await echo(client, `${i}: ${bigText.slice(0, 20_000)}`)).toBe(`${i}: ${bigText.slice(0, 20_000)}`);
  });

  it('without the option nothing is offered, and the server sends plain frames', async () => {
    const server = await deflateServer({});
    const client = await open(server.url, {});
    expect(client.extensions).toBe('');
    expect(await echo(client, bigText)).toBe(bigText);
  });
});

describe('RFC 7692 §5, §7.1: the server\'s answer is checked', () => {
  it('takes the parameters the server may set', () => {
    expect(acceptDeflate(['x-other'])).toBeNull();
    expect(acceptDeflate(['permessage-deflate; server_no_context_takeover; server_max_window_bits=9'])?.header).toBe('permessage-deflate; server_no_context_takeover; server_max_window_bits=9');
  });
  it.each([
    ['client_max_window_bits, which was not offered (RFC 7692 §7.1.2.2)', 'permessage-deflate; client_max_window_bits=10'],
    ['an unknown parameter', 'permessage-deflate; x_bits=1'],
    ['a parameter twice', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['a window of 16 bits', 'permessage-deflate; server_max_window_bits=16'],
    ['a value on a flag', 'permessage-deflate; client_no_context_takeover=1'],
  ])('refuses %s', (_why, answer) => {
    expect(() => acceptDeflate([answer])).toThrow(HandshakeError);
  });
});
