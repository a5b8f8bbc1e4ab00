/**
 * Chapter 10: the application API. The rules of `send()` and `close()` and the graceful shutdown
 * are tested as functions; then a WebSocketServer is run and driven by a raw client, so every
 * failure shows the bytes that went over the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { outgoingMessage, validateCloseArguments } from '@impl/10-app/arguments.ts';
import type { Closable } from '@impl/10-app/shutdown.ts';
import { shutdown } from '@impl/10-app/shutdown.ts';
import type { WebSocketServer, WebSocketServerOptions } from '../server/app/websocket-server.ts';
import { createWebSocketServer } from '../server/app/websocket-server.ts';
import type { WebSocket } from '../server/app/websocket.ts';
import type { RawClient } from '../tools/wire/index.ts';
import { PROMPT_SILENCE_MS, RawClient as Raw, clientFrame, openWebSocket } from '../tools/wire/index.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** Runs `call` and returns the DOMException's name (or the error's constructor name) it threw. */
function thrownName(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof DOMException) return `DOMException ${error.name}`;
    return error instanceof Error ? error.constructor.name : String(error);
  }
  return 'nothing thrown';
}

// ------------------------------------------------------------------------------------------------
// send() and close(): the browser's rules

describe('outgoingMessage: what send(data) queues (WHATWG WebSocket send())', () => {
  it('while CONNECTING: throws a DOMException named InvalidStateError', () => {
    expect(thrownName(() => outgoingMessage(CONNECTING, 'hi'))).toBe('DOMException InvalidStateError');
  });

  /** Every kind of data, the ones send() takes and the ones it refuses, with how to print it. */
  const anyData: [string, unknown][] = [
    ["'hi'", 'hi'],
    ['Uint8Array [1, 2]', Uint8Array.of(1, 2)],
    ['42', 42],
    ["{ text: 'hi' }", { text: 'hi' }],
    ['null', null],
  ];

  it('while CONNECTING: InvalidStateError whatever the data, even data of a wrong type (the state is checked first)', () => {
    for (const [shown, data] of anyData) {
      expect(
        thrownName(() => outgoingMessage(CONNECTING, data as never)),
        `outgoingMessage(CONNECTING, ${shown}): the WHATWG send() checks readyState before it looks at the data, ` +
          `so a send() before the handshake is done throws InvalidStateError even for data it would refuse with a TypeError once OPEN`,
      ).toBe('DOMException InvalidStateError');
    }
  });

  it('while CLOSING or CLOSED: null (discarded, nothing thrown)', () => {
    expect(outgoingMessage(CLOSING, 'hi'), 'CLOSING').toBe(null);
    expect(outgoingMessage(CLOSED, new Uint8Array(3)), 'CLOSED').toBe(null);
  });

  it('while CLOSING or CLOSED: null even for data of a wrong type, never a TypeError (the state is checked first)', () => {
    for (const [state, name] of [
      [CLOSING, 'CLOSING'],
      [CLOSED, 'CLOSED'],
    ] as const) {
      for (const [shown, data] of anyData) {
        let got: unknown;
        const thrown = thrownName(() => void (got = outgoingMessage(state, data as never)));
        expect(
          thrown === 'nothing thrown' ? got : `${thrown} thrown`,
          `outgoingMessage(${name}, ${shown}): once closing, the WHATWG send() discards whatever it is given ` +
            `without a word: the readyState check comes before the type check, so expected null, not an exception`,
        ).toBe(null);
      }
    }
  });

  it('a string is a text message', () => {
    expect(outgoingMessage(OPEN, 'héllo')).toBe('héllo');
    expect(outgoingMessage(OPEN, ''), 'the empty string is a message too').toBe('');
  });

  it('bytes are a binary message viewing the same memory: ArrayBuffer, Uint8Array, Buffer, DataView', () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5, 6]).buffer;
    const fromBuffer = outgoingMessage(OPEN, buffer);
    expect(fromBuffer).toBeInstanceOf(Uint8Array);
    expect(Array.from(fromBuffer as Uint8Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((fromBuffer as Uint8Array).buffer, 'no copy: the same ArrayBuffer').toBe(buffer);

    // A view into the middle of a larger buffer: only the viewed bytes, not the whole buffer.
    const view = new Uint8Array(buffer, 2, 3);
    expect(Array.from(outgoingMessage(OPEN, view) as Uint8Array), 'Uint8Array(buffer, 2, 3)').toEqual([3, 4, 5]);
    const small = Buffer.from('abc'); // Node allocates small Buffers inside one shared 8 KiB pool
    expect(Array.from(outgoingMessage(OPEN, small) as Uint8Array), "Buffer.from('abc'), a view into a pool").toEqual([
      0x61, 0x62, 0x63,
    ]);
  });

  it('a DataView is sent as the bytes it views, in place: its byteOffset and byteLength, not its whole buffer', () => {
    // The view sits in the middle of its buffer, so code that ignores byteOffset or byteLength shows.
    const buffer = new Uint8Array([1, 2, 3, 4, 5, 6]).buffer;
    const dataView = new DataView(buffer, 1, 3);
    const got = outgoingMessage(OPEN, dataView);
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/../g, '$& ').trim();
    expect(got, 'outgoingMessage(OPEN, new DataView(buffer, 1, 3)) must give a Uint8Array').toBeInstanceOf(Uint8Array);
    const bytes = got as Uint8Array;
    expect(
      hex(bytes),
      'buffer holds 01 02 03 04 05 06; DataView(buffer, 1, 3) views 02 03 04: wrap the same memory with ' +
        'new Uint8Array(view.buffer, view.byteOffset, view.byteLength)',
    ).toBe('02 03 04');
    expect(
      [bytes.buffer === buffer, bytes.byteOffset, bytes.byteLength],
      '[same ArrayBuffer?, byteOffset, byteLength] of the message: a view of the DataView\'s own memory, no copy',
    ).toEqual([true, 1, 3]);
  });

  it('anything else: TypeError', () => {
    expect(thrownName(() => outgoingMessage(OPEN, 42 as never))).toBe('TypeError');
    expect(thrownName(() => outgoingMessage(OPEN, { text: 'hi' } as never))).toBe('TypeError');
    expect(thrownName(() => outgoingMessage(OPEN, null as never))).toBe('TypeError');
  });
});

describe('validateCloseArguments: close(code, reason) (RFC 6455 §7.4, WHATWG WebSocket close())', () => {
  it('accepts 1000 and 3000–4999', () => {
    expect(validateCloseArguments(1000, 'done')).toEqual({ code: 1000, reason: 'done' });
    expect(validateCloseArguments(3000)).toEqual({ code: 3000, reason: '' });
    expect(validateCloseArguments(4999, 'x')).toEqual({ code: 4999, reason: 'x' });
  });

  it('refuses every other code with a DOMException named InvalidAccessError', () => {
    for (const code of [0, 999, 1001, 1002, 1005, 1006, 1008, 1011, 1015, 2999, 5000, 65535, 3000.5]) {
      expect(thrownName(() => validateCloseArguments(code)), `close(${code})`).toBe('DOMException InvalidAccessError');
    }
  });

  it('refuses a reason over 123 bytes of UTF-8 with a DOMException named SyntaxError (§5.5: 125 − 2)', () => {
    expect(validateCloseArguments(1000, 'a'.repeat(123)).reason).toHaveLength(123);
    expect(thrownName(() => validateCloseArguments(1000, 'a'.repeat(124))), '124 ASCII characters').toBe(
      'DOMException SyntaxError',
    );
    // 62 characters, but 124 bytes: the limit counts bytes.
    expect(thrownName(() => validateCloseArguments(1000, 'é'.repeat(62))), "62 × 'é' = 124 UTF-8 bytes").toBe(
      'DOMException SyntaxError',
    );
    expect(validateCloseArguments(1000, 'é'.repeat(61)).reason, "61 × 'é' = 122 bytes").toBe('é'.repeat(61));
  });

  it('checks the code before the reason', () => {
    expect(thrownName(() => validateCloseArguments(1001, 'a'.repeat(200)))).toBe('DOMException InvalidAccessError');
  });

  it('no code: no status code at all (1005, an empty close payload); a reason without a code: 1000', () => {
    expect(
      validateCloseArguments(),
      'validateCloseArguments() with neither code nor reason: the close frame carries no status code ' +
        '(RFC 6455 §7.1.5: the peer then reports 1005 No Status Rcvd), so expected { code: 1005, reason: "" }',
    ).toEqual({ code: 1005, reason: '' });
    expect(
      validateCloseArguments(undefined, 'bye'),
      "validateCloseArguments(undefined, 'bye'): a reason needs a code in front of it (RFC 6455 §5.5.1), and the " +
        "WHATWG close() then uses 1000 Normal Closure, so expected { code: 1000, reason: 'bye' }",
    ).toEqual({ code: 1000, reason: 'bye' });
    expect(
      validateCloseArguments(3000),
      "validateCloseArguments(3000) with no reason: the reason defaults to '' (an empty reason, not undefined)",
    ).toEqual({ code: 3000, reason: '' });
  });
});

// ------------------------------------------------------------------------------------------------
// shutdown()

/** A fake client: answers the close frame after `answerMs` (never when null). */
function fakeClient(state: number, answerMs: number | null) {
  let resolveClosed!: () => void;
  const client = {
    readyState: state,
    closes: [] as { code: number; reason: string }[],
    terminated: false,
    closed: new Promise<void>((resolve) => {
      resolveClosed = resolve;
    }),
    close(code: number, reason: string) {
      client.closes.push({ code, reason });
      client.readyState = CLOSING;
      if (answerMs !== null) {
        setTimeout(() => {
          client.readyState = CLOSED;
          resolveClosed();
        }, answerMs);
      }
    },
    terminate() {
      client.terminated = true;
      setTimeout(() => {
        client.readyState = CLOSED;
        resolveClosed();
      }, 1);
    },
  };
  if (state === CLOSED) resolveClosed();
  return client;
}

describe('shutdown: 1001 to everyone, wait, then drop the rest (RFC 6455 §7.4.1, §7.1.2)', () => {
  it('sends 1001 to each OPEN client and resolves as soon as all have closed, well before the timeout', async () => {
    const clients = [fakeClient(OPEN, 10), fakeClient(OPEN, 20)];
    const started = performance.now();
    await shutdown(clients as Closable[], { timeout: 2000 });
    const elapsed = performance.now() - started;
    for (const client of clients) {
      expect(client.closes, 'one close(code, reason) per OPEN client').toHaveLength(1);
      expect(client.closes[0]!.code, 'the default code: 1001 Going Away').toBe(1001);
      expect(client.terminated, 'a client that answered is not terminated').toBe(false);
    }
    expect(elapsed, 'both answered within 20 ms; the 2000 ms timeout must not be waited out').toBeLessThan(1000);
  });

  it('terminates whoever has not closed when the timeout passes, then resolves', async () => {
    const polite = fakeClient(OPEN, 5);
    const silent = fakeClient(OPEN, null);
    const started = performance.now();
    await shutdown([polite, silent] as Closable[], { timeout: 100, code: 1001, reason: 'restarting' });
    const elapsed = performance.now() - started;
    expect(silent.closes).toEqual([{ code: 1001, reason: 'restarting' }]);
    expect(silent.terminated, 'the client that never answered must be terminated after the timeout').toBe(true);
    expect(polite.terminated).toBe(false);
    expect(elapsed, 'timeout 100 ms').toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(1000);
    expect(silent.readyState, 'resolves only once everyone is CLOSED').toBe(CLOSED);
  });

  it('leaves CLOSED clients alone and does not close a CLOSING one twice', async () => {
    const done = fakeClient(CLOSED, null);
    const closing = fakeClient(CLOSING, null);
    await shutdown([done, closing] as Closable[], { timeout: 50 });
    expect(done.closes).toEqual([]);
    expect(done.terminated).toBe(false);
    expect(closing.closes, 'its close frame is already out').toEqual([]);
    expect(closing.terminated, 'but it is dropped when the timeout passes').toBe(true);
  });

  it('drops a client still in its opening handshake at once, without waiting out the timeout', async () => {
    const handshaking = fakeClient(CONNECTING, null);
    const started = performance.now();
    await shutdown([handshaking] as Closable[], { timeout: 4000 });
    const elapsed = performance.now() - started;
    expect(handshaking.closes, 'a CONNECTING client has no WebSocket yet: no close frame to send it (RFC 6455 §7.1.2 needs OPEN)').toEqual([]);
    expect(
      elapsed,
      `shutdown([a CONNECTING client], { timeout: 4000 }) took ${Math.round(elapsed)} ms: terminate() a client still in its ` +
        `handshake right away, as nothing will answer a close frame it was never sent; the timeout is for OPEN clients`,
    ).toBeLessThan(2000);
    expect(handshaking.terminated, 'the CONNECTING client must be terminated').toBe(true);
  });

  it('leaves no timer behind once every client has closed in time', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const clients = [fakeClient(OPEN, 5), fakeClient(OPEN, 10)];
    const before = timers();
    await shutdown(clients as Closable[], { timeout: 60_000 });
    await new Promise((resolve) => setImmediate(resolve));
    const left = timers() - before;
    expect(
      left,
      `both clients answered within 10 ms, then shutdown(…, { timeout: 60000 }) resolved, yet ${left} more timer(s) ` +
        `were pending than before it (process.getActiveResourcesInfo()): clearTimeout() the timeout once everyone ` +
        `has closed, or a process that shuts down stays alive for the whole 60 s`,
    ).toBe(0);
  });

  it('with no clients, resolves at once', async () => {
    const started = performance.now();
    await shutdown([], { timeout: 5000 });
    expect(performance.now() - started).toBeLessThan(500);
  });
});

// ------------------------------------------------------------------------------------------------
// The server on the wire

const servers: WebSocketServer[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 100 })));
});

async function startServer(options: WebSocketServerOptions = {}): Promise<WebSocketServer> {
  const server = await createWebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  return server;
}

/** Opens a raw WebSocket client and waits for the server's `connection` event for it. */
async function connect(server: WebSocketServer, path = '/', protocols?: string[]): Promise<[RawClient, WebSocket]> {
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  // The app API answers at once: a read that meets silence fails then, not at the 2 s timeout.
  const client = await openWebSocket(server.port, { path, ...(protocols ? { protocols } : {}) }, { silenceMs: PROMPT_SILENCE_MS });
  clients.push(client);
  return [client, await accepted];
}

const utf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('WebSocketServer: the connection event', () => {
  it('gives a WebSocket with readyState OPEN, the path, the URL and the chosen subprotocol', async () => {
    const server = await startServer({ protocols: ['chat'] });
    const [, socket] = await connect(server, '/chat?room=1', ['superchat', 'chat']);
    expect(socket.readyState).toBe(OPEN);
    expect(socket.path).toBe('/chat');
    expect(socket.url).toBe('/chat?room=1');
    expect(socket.protocol, "offered 'superchat, chat'; the server speaks 'chat'").toBe('chat');
    expect(server.clients.has(socket)).toBe(true);
  });

  it("protocol is '' when none was chosen, as in the browser", async () => {
    const server = await startServer();
    const [, socket] = await connect(server);
    expect(socket.protocol).toBe('');
  });
});

describe('WebSocket: messages both ways (RFC 6455 §5.6)', () => {
  it('a text message arrives as a string, binary as bytes; send() picks the opcode from the type', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    const received: [string | Uint8Array, boolean][] = [];
    socket.on('message', (data, isBinary) => {
      received.push([data, isBinary]);
      socket.send(data);
    });
    await client.write(clientFrame({ opcode: TEXT, payload: 'héllo' }));
    const text = await client.readFrame();
    await client.write(clientFrame({ opcode: BINARY, payload: Uint8Array.of(0, 1, 255) }));
    const binary = await client.readFrame();
    expect(received[0], 'the text message as the listener got it').toEqual(['héllo', false]);
    expect(received[1]![1], 'isBinary for the binary message').toBe(true);
    expect(Array.from(received[1]![0] as Uint8Array)).toEqual([0, 1, 255]);
    if (text.opcode !== TEXT || utf8(text.payload) !== 'héllo') client.fail("send('héllo') must send a text frame 'héllo'");
    if (binary.opcode !== BINARY || Array.from(binary.payload).join() !== '0,1,255') {
      client.fail('send(Uint8Array [0, 1, 255]) must send a binary frame with those bytes');
    }
  });

  it('textAsBytes: text arrives as its UTF-8 bytes (isBinary false); send(data, { binary: isBinary }) echoes it as text', async () => {
    const server = await startServer({ textAsBytes: true });
    const [client, socket] = await connect(server);
    expect(socket.textAsBytes, "the server's textAsBytes option is each socket's to begin with").toBe(true);
    const received: [string | Uint8Array, boolean][] = [];
    socket.on('message', (data, isBinary) => {
      received.push([data, isBinary]);
      socket.send(data, { binary: isBinary });
    });
    // "κόσμε 😀" in two fragments, the emoji split between them: the message is whole and valid.
    const whole = new TextEncoder().encode('κόσμε 😀');
    const cut = whole.length - 2;
    await client.write(clientFrame({ opcode: TEXT, fin: false, payload: whole.subarray(0, cut) }));
    await client.write(clientFrame({ opcode: CONTINUATION, payload: whole.subarray(cut) }));
    const echo = await client.readFrame();
    expect(received[0]?.[0], 'text with textAsBytes: a Uint8Array of its UTF-8').toBeInstanceOf(Uint8Array);
    expect(Array.from(received[0]![0] as Uint8Array)).toEqual(Array.from(whole));
    expect(received[0]![1], 'isBinary is false for text, whatever form it takes').toBe(false);
    if (echo.opcode !== TEXT || utf8(echo.payload) !== 'κόσμε 😀') {
      client.fail('send(bytes, { binary: false }) must send a text frame with those bytes');
    }
    // Per socket: back to strings.
    socket.textAsBytes = false;
    await client.write(clientFrame({ opcode: TEXT, payload: 'plain' }));
    await client.readFrame();
    expect(received[1], 'textAsBytes set to false on this socket').toEqual(['plain', false]);
  });

  it('send(bytes, { binary: false }) refuses bytes that are not UTF-8 (TypeError, nothing sent); send(string, { binary: true }) sends its UTF-8 as binary', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    // c3 28: a two-byte lead followed by "(", not a continuation byte (RFC 3629).
    expect(thrownName(() => socket.send(Uint8Array.of(0xc3, 0x28), { binary: false }))).toBe('TypeError');
    expect(socket.send('é', { binary: true })).toBe(true);
    expect(socket.send(Uint8Array.of(0x6f, 0x6b), { binary: false })).toBe(true);
    const first = await client.readFrame();
    const second = await client.readFrame();
    if (first.opcode !== BINARY || Array.from(first.payload).join(' ') !== '195 169') {
      client.fail("after the refused send, the next frame must be send('é', { binary: true }): binary c3 a9");
    }
    if (second.opcode !== TEXT || utf8(second.payload) !== 'ok') client.fail('send(bytes "ok", { binary: false }) must send a text frame');
  });

  it('send() after close() sends nothing and returns false', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    socket.close(1000);
    expect(socket.send('too late'), 'send() while CLOSING').toBe(false);
    expect(
      thrownName(() => socket.send(42 as never)),
      'send(42) while CLOSING: discarded like any data once closing; the state is checked before the type, so no TypeError',
    ).toBe('nothing thrown');
    const close = await client.readFrame();
    if (close.opcode !== CLOSE) client.fail('expected the close frame first');
    await client.write(clientFrame({ opcode: CLOSE, payload: Uint8Array.of(0x03, 0xe8) }));
    await client.expectClosed();
    if (client.unread.length > 0) client.fail('nothing may follow the close frame (RFC 6455 §5.5.1)');
  });
});

describe('WebSocket.close(): application close codes (RFC 6455 §7.4.2)', () => {
  it('close(4000, "done") sends that close frame; the close event reports the clean handshake', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    const closeEvent = new Promise<[number, string, boolean]>((resolve) =>
      socket.on('close', (code, reason, wasClean) => resolve([code, reason, wasClean])),
    );
    socket.close(4000, 'done');
    expect(socket.readyState, 'CLOSING right after close()').toBe(CLOSING);
    const frame = await client.readFrame();
    if (frame.opcode !== CLOSE || frame.closeCode !== 4000 || frame.closeReason !== 'done') {
      client.fail("close(4000, 'done') must send a close frame with code 4000 and reason 'done'");
    }
    await client.write(clientFrame({ opcode: CLOSE, payload: Uint8Array.of(0x0f, 0xa0) }));
    await client.expectClosed();
    expect(await closeEvent, 'close event: (code, reason, wasClean)').toEqual([4000, '', true]);
    expect(socket.readyState).toBe(CLOSED);
    expect(server.clients.has(socket), 'a closed client leaves server.clients').toBe(false);
  });

  it('close(1001) throws InvalidAccessError and the connection stays open', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    socket.on('message', (data) => socket.send(data));
    expect(thrownName(() => socket.close(1001)), '1001 is for the server itself, not the application').toBe(
      'DOMException InvalidAccessError',
    );
    expect(thrownName(() => socket.close(1000, 'x'.repeat(124))), 'a 124-byte reason').toBe('DOMException SyntaxError');
    expect(socket.readyState).toBe(OPEN);
    await client.write(clientFrame({ opcode: TEXT, payload: 'still open?' }));
    const echo = await client.readFrame();
    if (echo.opcode !== TEXT) client.fail('after the refused close() calls the connection must still be OPEN and echo');
  });
});

describe('WebSocket: ping, pong and errors', () => {
  it('ping() sends a ping; the client pong arrives as a pong event', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    const pong = new Promise<Uint8Array>((resolve) => socket.on('pong', resolve));
    socket.ping('are you there');
    const ping = await client.readFrame();
    if (ping.opcode !== PING || utf8(ping.payload) !== 'are you there') client.fail("expected a ping 'are you there'");
    await client.write(clientFrame({ opcode: PONG, payload: ping.payload }));
    expect(utf8(await pong)).toBe('are you there');
  });

  it('a protocol error reaches the error listener, the client gets 1002, and the server lives on', async () => {
    const server = await startServer();
    const [client, socket] = await connect(server);
    const error = new Promise<Error>((resolve) => socket.on('error', resolve));
    await client.write(clientFrame({ opcode: TEXT, payload: 'unmasked', mask: false }));
    const frame = await client.readFrame();
    if (frame.closeCode !== 1002) client.fail('an unmasked client frame fails the connection with 1002 (RFC 6455 §5.1)');
    expect((await error).name).toBe('ProtocolError');
    // Without an error listener, the same error must not crash anything.
    const [other] = await connect(server);
    await other.write(clientFrame({ opcode: TEXT, payload: 'unmasked', mask: false }));
    const second = await other.readFrame();
    if (second.closeCode !== 1002) other.fail('expected 1002 here too');
  });
});

describe('WebSocketServer: plain HTTP, broadcast', () => {
  it('handleRequest answers a plain GET; without it the answer is 426 Upgrade Required (RFC 9110 §15.5.22)', async () => {
    const server = await startServer({
      handleRequest: (request) => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: `hello ${request.path}` }),
    });
    const client = await Raw.connect(server.port, { silenceMs: PROMPT_SILENCE_MS });
    clients.push(client);
    await client.write('GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const response = await client.readHttpResponse();
    expect(response.status).toBe(200);
    expect(utf8(response.body)).toBe('hello /page');

    const plain = await startServer();
    const other = await Raw.connect(plain.port, { silenceMs: PROMPT_SILENCE_MS });
    clients.push(other);
    await other.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const refused = await other.readHttpResponse();
    expect(refused.status).toBe(426);
    expect(refused.headers.get('sec-websocket-version')).toEqual(['13']);
  });

  it('broadcast() reaches every OPEN client but the one excepted', async () => {
    const server = await startServer();
    const [a, socketA] = await connect(server);
    const [b] = await connect(server);
    const [c] = await connect(server);
    expect(server.broadcast('to all but a', { except: socketA }), 'queued for b and c').toBe(2);
    for (const client of [b, c]) {
      const frame = await client.readFrame();
      if (utf8(frame.payload) !== 'to all but a') client.fail("expected the broadcast 'to all but a'");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (a.unread.length > 0) a.fail('the excepted client must get nothing');
  });
});

describe('WebSocketServer.close(): a graceful shutdown (RFC 6455 §7.4.1 1001 Going Away)', () => {
  it('sends 1001 to every client; drops one that never answers after the timeout; resolves', async () => {
    const server = await createWebSocketServer({ port: 0, host: '127.0.0.1' });
    const [polite, politeSocket] = await connect(server);
    const [silent] = await connect(server);
    const events: [number, boolean][] = [];
    politeSocket.on('close', (code, _reason, wasClean) => events.push([code, wasClean]));
    const started = performance.now();
    const closing = server.close({ timeout: 300 });

    const goodbye = await polite.readFrame();
    if (goodbye.opcode !== CLOSE || goodbye.closeCode !== 1001) polite.fail('expected a close frame with 1001 Going Away');
    await polite.write(clientFrame({ opcode: CLOSE, payload: Uint8Array.of(0x03, 0xe9) }));
    await polite.expectClosed();

    const silentGoodbye = await silent.readFrame();
    if (silentGoodbye.closeCode !== 1001) silent.fail('expected a close frame with 1001 Going Away');
    await silent.expectClosed(2000); // never answers: dropped after 300 ms
    await closing;
    const elapsed = performance.now() - started;
    expect(elapsed, 'the silent client is dropped after the 300 ms timeout').toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
    expect(events, 'the polite client closed cleanly with 1001').toEqual([[1001, true]]);
    expect(server.clients.size).toBe(0);
  });
});
