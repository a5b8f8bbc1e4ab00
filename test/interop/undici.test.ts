/**
 * Interoperability: undici's `WebSocket` (the WHATWG client Node's own global WebSocket is built
 * on) against the reference server.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket, ping } from 'undici';
import { serve } from '../../server/demo/demo-server.ts';
import { afterThisTest, appServer, demo } from './servers.ts';

function open(url: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url, protocols);
    client.binaryType = 'arraybuffer';
    afterThisTest(() => {
      if (client.readyState === WebSocket.OPEN) client.close();
    });
    client.addEventListener('open', () => resolve(client), { once: true });
    client.addEventListener('error', () => reject(new Error(`undici could not open ${url}`)), { once: true });
  });
}

function nextMessage(client: WebSocket): Promise<string | ArrayBuffer> {
  return new Promise((resolve) => client.addEventListener('message', (event) => resolve(event.data), { once: true }));
}

function closeEvent(client: WebSocket): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) =>
    client.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }), {
      once: true,
    }),
  );
}

describe('undici WebSocket ↔ reference server: echo', () => {
  it('text and binary come back as sent', async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    client.send('héllo from undici');
    expect(await nextMessage(client)).toBe('héllo from undici');
    client.send(Uint8Array.of(9, 8, 7, 0, 255));
    const binary = await nextMessage(client);
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(binary as ArrayBuffer))).toEqual([9, 8, 7, 0, 255]);
  });

  it('a 256 KiB text message comes back whole', async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    const text = 'ünïcödé '.repeat(32 * 1024);
    client.send(text);
    expect(await nextMessage(client)).toBe(text);
  });

  it("the subprotocol 'chat' is chosen", async () => {
    const server = await demo();
    const client = await open(`ws://127.0.0.1:${server.port}/chat`, ['superchat', 'chat']);
    expect(client.protocol).toBe('chat');
  });
});

describe('undici WebSocket ↔ reference server: closing (RFC 6455 §7.4)', () => {
  it('the server shutting down: close event with 1001, wasClean', async () => {
    const server = await serve({ port: 0, host: '127.0.0.1' });
    const client = await open(`ws://127.0.0.1:${server.port}/echo`);
    const closed = closeEvent(client);
    await server.close();
    expect(await closed).toEqual({ code: 1001, reason: 'server shutting down', wasClean: true });
  });

  it('an application close(4000, reason): close event with 4000 and the reason', async () => {
    const server = await appServer((socket) => socket.on('message', () => socket.close(4000, 'app says bye')));
    const client = await open(`ws://127.0.0.1:${server.port}/`);
    const closed = closeEvent(client);
    client.send('bye?');
    expect(await closed).toEqual({ code: 4000, reason: 'app says bye', wasClean: true });
  });

  it("the client's close(3001) is answered and both sides report a clean close", async () => {
    let serverClose: Promise<[number, boolean]> | undefined;
    const server = await appServer((socket) => {
      serverClose = new Promise((resolve) => socket.on('close', (code, _reason, wasClean) => resolve([code, wasClean])));
    });
    const client = await open(`ws://127.0.0.1:${server.port}/`);
    const closed = closeEvent(client);
    client.close(3001, 'leaving');
    expect(await closed).toMatchObject({ code: 3001, wasClean: true });
    expect(await serverClose).toEqual([3001, true]);
  });
});

describe('undici WebSocket ↔ reference server: ping and pong (RFC 6455 §5.5.2)', () => {
  it("the server's ping is answered by undici with a pong", async () => {
    let pong: Promise<Uint8Array> | undefined;
    const server = await appServer((socket) => {
      pong = new Promise((resolve) => socket.on('pong', resolve));
      socket.ping('ping from the server');
    });
    await open(`ws://127.0.0.1:${server.port}/`);
    expect(new TextDecoder().decode(await pong)).toBe('ping from the server');
  });

  it("undici's ping reaches the server, which answers (the connection stays usable)", async () => {
    let received: Promise<Uint8Array> | undefined;
    const server = await appServer((socket) => {
      received = new Promise((resolve) => socket.on('ping', resolve));
      socket.on('message', (data) => socket.send(data));
    });
    const client = await open(`ws://127.0.0.1:${server.port}/`);
    ping(client, Buffer.from('ping from undici'));
    expect(new TextDecoder().decode(await received)).toBe('ping from undici');
    client.send('after the ping');
    expect(await nextMessage(client)).toBe('after the ping');
  });
});
