/**
 * Chapter 13 on the wire: the `ws` package's client with perMessageDeflate (several parameter
 * combinations) against the server started with compression on, the handshake declined without
 * it, and the zip bomb over a socket with a small configured limit, RSS measured.
 */
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeTestServers, startTestServer } from '../helpers/server.ts';
import { DeflateSession, RawClient, clientFrame, parseDeflateAnswer, upgradeRequest } from '../../tools/wire/index.ts';
import { Opcode } from '../../core/frame.ts';

afterEach(closeTestServers);

const clients: WebSocket[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.terminate();
});

/** A ws client, open, and the Sec-WebSocket-Extensions answer it got ('' for none). */
function open(url: string, perMessageDeflate: WebSocket.PerMessageDeflateOptions | boolean): Promise<WebSocket & { answer: string }> {
  return new Promise((resolve, reject) => {
    const client = Object.assign(new WebSocket(url, { perMessageDeflate }), { answer: '' });
    clients.push(client);
    client.once('upgrade', (response) => (client.answer = String(response.headers['sec-websocket-extensions'] ?? '')));
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

const json = (count: number): string => JSON.stringify(Array.from({ length: count }, (_, i) => ({ id: i, user: `user-${i % 7}`, ok: i % 2 === 0 })));

describe('RFC 7692 §5: a ws client with perMessageDeflate negotiates and echoes', () => {
  it.each<[string, WebSocket.PerMessageDeflateOptions, RegExp]>([
    ['the defaults', {}, /^permessage-deflate(; client_max_window_bits=\d+)?$/],
    ['serverNoContextTakeover', { serverNoContextTakeover: true }, /server_no_context_takeover/],
    ['clientNoContextTakeover', { clientNoContextTakeover: true }, /client_no_context_takeover/],
    ['serverMaxWindowBits 9', { serverMaxWindowBits: 9 }, /server_max_window_bits=9/],
    ['serverMaxWindowBits 12', { serverMaxWindowBits: 12 }, /server_max_window_bits=12/],
    ['serverMaxWindowBits 15', { serverMaxWindowBits: 15 }, /server_max_window_bits=15/],
    ['clientMaxWindowBits 10', { clientMaxWindowBits: 10 }, /client_max_window_bits=10/],
    ['everything', { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }, /server_max_window_bits=10/],
  ])('%s', async (_name, options, answered) => {
    const server = await startTestServer({ perMessageDeflate: true });
    const client = await open(`ws://127.0.0.1:${server.port}/`, { ...options, threshold: 0 });
    expect(client.answer, 'the Sec-WebSocket-Extensions answer').toMatch(answered);
    for (const [data, binary] of [[json(300), false], [json(5), false], ['x', false], [Buffer.from(json(2000)), true], [json(300), false]] as const) {
      client.send(data);
      const echo = await nextMessage(client);
      expect(echo.isBinary).toBe(binary);
      expect(echo.data.toString()).toBe(data.toString());
    }
  });

  it('without the option the offer is declined and ws talks uncompressed', async () => {
    const server = await startTestServer();
    const client = await open(`ws://127.0.0.1:${server.port}/`, true);
    expect(client.answer).toBe('');
    client.send(json(100));
    expect((await nextMessage(client)).data.toString()).toBe(json(100));
  });

  it('the server compresses what it sends from the threshold on (RSV1 on the wire, a smaller payload)', async () => {
    const server = await startTestServer({ perMessageDeflate: { threshold: 100 } });
    const client = await RawClient.connect(server.port);
    try {
      await client.write(upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } }));
      const head = await client.readHttpResponse();
      const answer = parseDeflateAnswer(head.headers.get('sec-websocket-extensions'));
      expect(answer, head.head).not.toBeNull();
      const session = new DeflateSession(answer as Exclude<typeof answer, string | null>);
      const text = Buffer.from(json(200));
      await client.write(clientFrame({ opcode: Opcode.Text, payload: text }));
      const frame = await client.readFrame();
      expect(frame.rsv1, 'RFC 7692 §6.1: the first frame of a compressed message has RSV1').toBe(true);
      expect(frame.payload.length).toBeLessThan(text.length / 3);
      expect(Buffer.from(await session.decompress(frame.payload)).toString()).toBe(text.toString());
      await client.write(clientFrame({ opcode: Opcode.Text, payload: 'short' }));
      const short = await client.readFrame();
      expect([short.rsv1, Buffer.from(short.payload).toString()], 'below the threshold: sent as is').toEqual([false, 'short']);
      session.close();
    } finally {
      client.destroy();
    }
  });
});

/** Raw DEFLATE of `size` zero bytes, sync-flushed, tail removed: built a MiB at a time, so it costs no memory here. */
async function zerosDeflated(size: number): Promise<Uint8Array> {
  const deflater = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < size; written += zeros.length) {
    deflater.write(zeros);
    await new Promise<void>((resolve) => deflater.flush(zlib.constants.Z_NO_FLUSH, () => resolve()));
  }
  await new Promise<void>((resolve) => deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  deflater.close();
  const all = Buffer.concat(chunks);
  return all.subarray(0, all.length - 4);
}

describe('RFC 6455 §7.4.1: the zip bomb over a socket', () => {
  it('a small compressed frame inflating past a 4 MiB limit closes with 1009, RSS growing by less than twice the limit', async () => {
    const limit = 4 * 1024 * 1024;
    const server = await startTestServer({ perMessageDeflate: true, maxMessageLength: limit });
    // 256 MiB of zeros: about 250 KiB compressed, 64 times the limit once inflated.
    const bomb = await zerosDeflated(256 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(limit / 8);
    const client = await RawClient.connect(server.port);
    try {
      await client.write(upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } }));
      const head = await client.readHttpResponse();
      expect(head.headers.get('sec-websocket-extensions'), head.head).toEqual(['permessage-deflate']);
      client.allowRsv1 = true;
      const frame = clientFrame({ opcode: Opcode.Binary, rsv1: true, payload: bomb });
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 1);
      await client.write(frame);
      const close = await client.readFrame();
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(close.closeCode, `sent a ${bomb.length}-byte compressed frame of 256 MiB of zeros; RFC 6455 §7.4.1: 1009`).toBe(1009);
      expect(peak - before, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(1)} MiB for a limit of 4 MiB`).toBeLessThan(2 * limit);
    } finally {
      client.destroy();
    }
  }, 20_000);
});
