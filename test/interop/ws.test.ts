/**
 * Interoperability: the `ws` package's client against the reference server (the demo server of
 * `npm run serve`, and a WebSocketServer for application close codes and server pings).
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { serve } from '../../server/demo/demo-server.ts';
import { afterThisTest, appServer, demo } from './servers.ts';

/** A `ws` client, open; closed after the test. */
function open(url: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url, protocols);
    afterThisTest(() => client.terminate());
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

function closeEvent(client: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe('ws client ↔ reference server: echo', () => {
  it('text and binary come back as sent, with their type', async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    client.send('héllo wörld');
    const text = await nextMessage(client);
    expect([text.data.toString(), text.isBinary]).toEqual(['héllo wörld', false]);
    client.send(Uint8Array.of(0, 1, 2, 254, 255));
    const binary = await nextMessage(client);
    expect([Array.from(binary.data), binary.isBinary]).toEqual([[0, 1, 2, 254, 255], true]);
  });

  it('a 1 MiB binary message comes back byte for byte', async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    client.send(big);
    const echo = await nextMessage(client);
    expect(echo.data.equals(big)).toBe(true);
  });

  it('a message ws sends in fragments (fin: false, then fin: true) is echoed as one message (RFC 6455 §5.4)', async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    client.send('Hello, ', { fin: false });
    client.send('fragmented ', { fin: false });
    client.send('world', { fin: true });
    const text = await nextMessage(client);
    expect(text.data.toString()).toBe('Hello, fragmented world');
    client.send(Uint8Array.of(1, 2), { binary: true, fin: false });
    client.send(Uint8Array.of(3), { binary: true, fin: true });
    const binary = await nextMessage(client);
    expect([Array.from(binary.data), binary.isBinary]).toEqual([[1, 2, 3], true]);
  });

  it("the subprotocol 'chat' is chosen from 'superchat, chat'", async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/chat`, ['superchat', 'chat']);
    expect(client.protocol).toBe('chat');
  });

  it('the chat relays a message to every member', async () => {
    const server = await demo();
    const alice = await open(`ws://127.0.0.1:${server.port}/chat`, ['chat']);
    const bob = await open(`ws://127.0.0.1:${server.port}/chat`, ['chat']);
    const atBob = nextMessage(bob);
    const atAlice = nextMessage(alice);
    alice.send('alice: hi bob');
    expect((await atBob).data.toString()).toBe('alice: hi bob');
    expect((await atAlice).data.toString(), 'the sender gets it too: the room keeps one order').toBe('alice: hi bob');
  });
});

describe('ws client ↔ reference server: closing (RFC 6455 §7.4)', () => {
  it('the server shutting down closes with 1001 Going Away', async () => {
    const server = await serve({ port: 0, host: '127.0.0.1' });
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    const closed = closeEvent(client);
    await server.close();
    expect(await closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('an application close(4000, reason) reaches the client as 4000 and the reason', async () => {
    const server = await appServer((socket) => socket.on('message', () => socket.close(4000, 'app says bye')));
    const client = await open(`ws://127.0.0.1:${server.port}/`);
    const closed = closeEvent(client);
    client.send('bye?');
    expect(await closed).toEqual({ code: 4000, reason: 'app says bye' });
  });

  it("the client's close(1000) is answered, and the server's close event is clean", async () => {
    let serverClose: Promise<[number, string, boolean]> | undefined;
    const server = await appServer((socket) => {
      serverClose = new Promise((resolve) => socket.on('close', (code, reason, wasClean) => resolve([code, reason, wasClean])));
    });
    const client = await open(`ws://127.0.0.1:${server.port}/`);
    const closed = closeEvent(client);
    client.close(1000, 'done');
    expect((await closed).code, 'the server echoes the code in its answer (RFC 6455 §5.5.1)').toBe(1000);
    expect(await serverClose).toEqual([1000, 'done', true]);
  });
});

describe('ws client ↔ reference server: ping and pong (RFC 6455 §5.5.2–§5.5.3)', () => {
  it("the client's ping is answered with a pong carrying the same payload", async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.ping('ping from ws');
    expect((await pong).toString()).toBe('ping from ws');
  });

  it("the server's ping is answered by ws with a pong", async () => {
    let pong: Promise<Uint8Array> | undefined;
    const server = await appServer((socket) => {
      pong = new Promise((resolve) => socket.on('pong', resolve));
      socket.ping('ping from the server');
    });
    await open(`ws://127.0.0.1:${server.port}/`);
    expect(new TextDecoder().decode(await pong)).toBe('ping from the server');
  });
});
