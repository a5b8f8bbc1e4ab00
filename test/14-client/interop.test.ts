/**
 * Chapter 14 against real servers: the client (`WebSocketClient`) talks to the workbook's reference
 * server, the `ws` package's server and Python's `websockets` server (peers.ts), with the same
 * exchanges for each: text, binary, a 1 MiB message, a ping from the server, and the closing
 * handshake started from either end (RFC 6455 §5.6, §5.5.2, §7.1.2).
 */
import { describe, expect, it } from 'vitest';
import { WebSocketClient } from '../../server/app/client.ts';
import { afterThisTest } from '../interop/servers.ts';
import { PEER_KINDS, startPeer, type EchoPeer } from './peers.ts';

interface Received {
  readonly data: string | Uint8Array;
  readonly isBinary: boolean;
}

/** An open client to `peer`, dropped after the test if it is still there. */
async function open(peer: EchoPeer): Promise<WebSocketClient> {
  const client = await WebSocketClient.connect(peer.url, [], { handshakeTimeout: 5000, closeTimeout: 2000 });
  afterThisTest(() => client.terminate());
  return client;
}

function nextMessage(client: WebSocketClient): Promise<Received> {
  return new Promise((resolve) => client.once('message', (data, isBinary) => resolve({ data, isBinary })));
}

/** Sends `data` and waits for what comes back. */
async function roundTrip(client: WebSocketClient, data: string | Uint8Array): Promise<Received> {
  const answer = nextMessage(client);
  client.send(data);
  return answer;
}

describe.each(PEER_KINDS)('RFC 6455 §5.6: the client against a %s server', (kind) => {
  it('a text message comes back as text', async () => {
    const client = await open(await startPeer(kind));
    expect(await roundTrip(client, 'héllo wörld ✓')).toEqual({ data: 'héllo wörld ✓', isBinary: false });
  });

  it('with textAsBytes, text comes back as its UTF-8 bytes (isBinary false); send(bytes, { binary: false }) sends text', async () => {
    const peer = await startPeer(kind);
    const client = await WebSocketClient.connect(peer.url, [], { handshakeTimeout: 5000, closeTimeout: 2000, textAsBytes: true });
    afterThisTest(() => client.terminate());
    const answer = nextMessage(client);
    client.send(new TextEncoder().encode('κόσμε ✓'), { binary: false });
    const echo = await answer;
    expect(echo.isBinary, 'the echo of a text message is text').toBe(false);
    expect(echo.data).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(echo.data as Uint8Array)).toBe('κόσμε ✓');
    expect(() => client.send(Uint8Array.of(0xc3, 0x28), { binary: false }), 'bytes that are not UTF-8 are refused as text').toThrow(TypeError);
  });

  it("a binary message comes back as binary, byte for byte; the caller's Buffer is not masked in place", async () => {
    const client = await open(await startPeer(kind));
    const sent = Buffer.from([0, 1, 2, 127, 128, 254, 255]);
    const echo = await roundTrip(client, sent);
    expect(echo.isBinary).toBe(true);
    expect([...(echo.data as Uint8Array)]).toEqual([0, 1, 2, 127, 128, 254, 255]);
    expect([...sent], 'send() changed the bytes it was given (§5.3 masks a copy)').toEqual([0, 1, 2, 127, 128, 254, 255]);
  });

  it('a 1 MiB binary message comes back byte for byte (64-bit length, §5.2)', async () => {
    const client = await open(await startPeer(kind));
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    const echo = await roundTrip(client, big);
    expect(echo.isBinary).toBe(true);
    const data = echo.data as Uint8Array;
    expect(data.length, 'the length of the echo').toBe(big.length);
    expect(Buffer.from(data).equals(Buffer.from(big)), 'the echo differs from what was sent').toBe(true);
  });
});

describe.each(PEER_KINDS)('RFC 6455 §5.5.2: a ping from a %s server', (kind) => {
  it('the client reports the ping and answers with a pong carrying the same payload', async () => {
    const client = await open(await startPeer(kind));
    const ping = new Promise<string>((resolve) => client.once('ping', (payload) => resolve(Buffer.from(payload).toString())));
    const answer = await roundTrip(client, 'ping:are you there');
    expect(await ping).toBe('are you there');
    expect(answer, 'the server reports the pong it got back').toEqual({ data: 'pong:are you there', isBinary: false });
  });
});

describe.each(PEER_KINDS)('RFC 6455 §7.1.2, §7.4: closing with a %s server', (kind) => {
  it("the client's close(4002, reason) reaches the server, and the close is clean", async () => {
    const peer = await startPeer(kind);
    const client = await open(peer);
    client.close(4002, 'client bye');
    expect(client.readyState).toBe(WebSocketClient.CLOSING);
    // §7.1.5: the close event's code is the one in the server's answer, which echoes ours (§5.5.1).
    expect(await client.closed).toMatchObject({ code: 4002, wasClean: true });
    expect(await peer.nextClose(), 'what the server saw').toEqual({ code: 4002, reason: 'client bye' });
    expect(client.readyState).toBe(WebSocketClient.CLOSED);
  });

  it("the server's close(4001, reason) reaches the client, which answers it; the close is clean", async () => {
    const peer = await startPeer(kind);
    const client = await open(peer);
    const closeEvent = new Promise<unknown[]>((resolve) => client.once('close', (...args) => resolve(args)));
    client.send('close:4001:server bye');
    expect(await closeEvent).toEqual([4001, 'server bye', true]);
    // The server's close event has the code of the client's answer: the same code (§5.5.1).
    expect(await peer.nextClose(), 'what the server saw').toMatchObject({ code: 4001 });
  });
});
