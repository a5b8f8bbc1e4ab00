/**
 * Chapter 01: the TCP listener. Real sockets on 127.0.0.1, port 0; the tests give the listener their
 * own handlers (no HTTP yet) and talk raw TCP with RawClient.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { ConnectionHandler, Listener } from '@impl/01-tcp-listener/listener.ts';
import { listen } from '@impl/01-tcp-listener/listener.ts';
import { PROMPT_SILENCE_MS, RawClient, escaped } from '../tools/wire/index.ts';

/** What a handler saw: every chunk it was fed, and how often (and why) it was told it closed. */
interface Seen {
  socket: net.Socket;
  chunks: Uint8Array[];
  closedCalls: number;
  closedWith: (Error | undefined)[];
  text(): string;
}

let listener: Listener | null = null;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  const open = listener;
  listener = null;
  if (open) await bounded(open.close(), 'listener.close() to resolve');
});

/**
 * Rejects with a clear message if `promise` takes longer than `ms`. Everything this chapter waits for
 * is prompt (no timers): a listener that has not done it within {@link PROMPT_SILENCE_MS} never will.
 */
async function bounded<T>(promise: Promise<T>, what: string, ms = PROMPT_SILENCE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records uncaught exceptions until `stop()`: an 'error' event nobody listens to is thrown, and in a
 * server process that is the end of every connection.
 */
function watchUncaught(): { errors: NodeJS.ErrnoException[]; stop(): void } {
  const errors: NodeJS.ErrnoException[] = [];
  const record = (error: Error): void => void errors.push(error);
  process.on('uncaughtException', record);
  return { errors, stop: () => void process.off('uncaughtException', record) };
}

/** Polls `check` until it holds; fails with `what` after `ms` (a prompt event: see {@link bounded}). */
async function eventually(check: () => boolean, what: string, ms = PROMPT_SILENCE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Starts a listener whose handlers record everything; `behave` may add behaviour (echo, throw …).
 * Returns the records, one per accepted socket, in accept order.
 */
async function start(behave: (record: Seen, bytes: Uint8Array) => void = () => {}): Promise<Seen[]> {
  const records: Seen[] = [];
  listener = await listen({ port: 0, host: '127.0.0.1' }, (socket): ConnectionHandler => {
    const record: Seen = {
      socket,
      chunks: [],
      closedCalls: 0,
      closedWith: [],
      text: () => Buffer.concat(record.chunks).toString('latin1'),
    };
    records.push(record);
    return {
      receive(bytes) {
        record.chunks.push(new Uint8Array(bytes));
        behave(record, bytes);
      },
      closed(error) {
        record.closedCalls++;
        record.closedWith.push(error);
      },
    };
  });
  return records;
}

async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(listener!.port, { silenceMs: PROMPT_SILENCE_MS });
  clients.push(client);
  return client;
}

/** A handler that writes every chunk back. */
const echo = (record: Seen, bytes: Uint8Array): void => void record.socket.write(bytes);

describe('listening (node:net)', () => {
  test('listen() resolves with the bound port and host; a client can connect', async () => {
    const records = await start();
    expect(listener!.port, 'listening on port 0 picks a free port: read it back from server.address()').toBeGreaterThan(0);
    expect(listener!.host).toBe('127.0.0.1');
    await connect();
    await eventually(() => records.length === 1, 'accept(socket) to be called for the new connection');
    await eventually(() => listener!.connections === 1, 'listener.connections to count the open socket');
  });

  test('listen() rejects when the port is taken', async () => {
    await start();
    const taken = listener!.port;
    const outcome = await bounded(
      listen({ port: taken, host: '127.0.0.1' }, () => ({ receive() {}, closed() {} })).then(
        async (second) => {
          await second.close();
          return 'it resolved';
        },
        (error: NodeJS.ErrnoException) => error,
      ),
      "listen() on a port already in use to settle: reject the promise from the server's 'error' event (EADDRINUSE)",
    );
    expect(
      outcome instanceof Error ? (outcome.code ?? outcome.message) : outcome,
      `a second listen() on port ${taken}, already taken, must reject with the bind error, not resolve`,
    ).toBe('EADDRINUSE');
  });

  test('the host defaults to 127.0.0.1 (ListenOptions.host)', async () => {
    listener = await listen({ port: 0 }, () => ({ receive() {}, closed() {} }));
    expect(listener.host, 'listen({ port: 0 }) without a host binds 127.0.0.1 only, not every interface').toBe('127.0.0.1');
  });
});

describe('one handler per socket, bytes in order', () => {
  test('every byte a client sends reaches its handler, in order', async () => {
    const records = await start();
    const client = await connect();
    const parts = ['GET / HTTP/1.1\r\n', 'Host: a\r\n', '\r\n', '\x00\x01\x02\xff'];
    for (const part of parts) await client.write(Buffer.from(part, 'latin1'));
    const expected = parts.join('');
    await eventually(() => records[0]?.text() === expected, 'every byte sent to reach the handler').catch(() => {
      throw new Error(
        `the handler was fed "${escaped(Buffer.from(records[0]?.text() ?? '', 'latin1'))}", ` +
          `expected "${escaped(Buffer.from(expected, 'latin1'))}" (every chunk, in order)`,
      );
    });
  });

  test('each chunk is passed on once, as it came: the handler never sees a byte twice', async () => {
    const records = await start();
    const client = await connect();
    const parts = ['GET / HTTP/1.1\r\n', 'Host: a\r\n', '\r\n', 'xyz'];
    let sent = '';
    for (const part of parts) {
      await client.write(part);
      sent += part;
      const expected = sent;
      // Wait for this part before sending the next, so every part is its own 'data' event.
      await eventually(() => (records[0]?.text().length ?? 0) >= expected.length, `"${escaped(Buffer.from(part))}" to reach the handler`);
      const got = records[0]!.text();
      if (got !== expected) {
        const fed = records[0]!.chunks.map((chunk) => `"${escaped(chunk)}"`).join(', ');
        throw new Error(
          `the client sent ${parts.slice(0, parts.indexOf(part) + 1).map((p) => `"${escaped(Buffer.from(p))}"`).join(', ')} in separate writes; ` +
            `the handler was fed ${fed}. Pass each 'data' chunk to receive() as it is: the layers above keep what they need (chapter 02's byte queue), so feeding them everything read so far makes them see the same bytes again`,
        );
      }
    }
  });

  test('two clients get two handlers, each fed only its own bytes', async () => {
    const records = await start();
    const a = await connect();
    await eventually(() => records.length === 1, 'the first accept');
    const b = await connect();
    await eventually(() => records.length === 2, 'the second accept');
    for (let i = 0; i < 5; i++) {
      await a.write(`a${i};`);
      await b.write(`b${i};`);
    }
    await eventually(() => records[0]!.text() === 'a0;a1;a2;a3;a4;', "client A's bytes in A's handler only");
    await eventually(() => records[1]!.text() === 'b0;b1;b2;b3;b4;', "client B's bytes in B's handler only");
  });

  test('the handler can answer through the socket it was given', async () => {
    await start(echo);
    const client = await connect();
    await client.write('ping');
    const back = await client.readBytes(4);
    expect(Buffer.from(back).toString()).toBe('ping');
  });

  test('closed() is called exactly once when the client closes', async () => {
    const records = await start();
    const client = await connect();
    await client.write('bye');
    await eventually(() => records.length === 1 && records[0]!.chunks.length > 0, 'the bytes to arrive');
    client.end();
    await eventually(() => records[0]!.closedCalls > 0, 'closed() after the client sent FIN');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      records[0]!.closedCalls,
      "closed() must be called exactly once per socket: call it from 'close' only ('end' is followed by 'close', and a reset has no 'end')",
    ).toBe(1);
    await eventually(() => listener!.connections === 0, 'listener.connections to drop to 0');
  });
});

describe('one socket failing never touches another', () => {
  test('a client that resets mid-stream (RST) does not crash the server; other clients keep working', async () => {
    const records = await start(echo);
    const steady = await connect();
    const rude = await connect();
    await eventually(() => records.length === 2, 'both connections to be accepted');
    await rude.write('GET / HTTP/1.1\r\nHost: half a requ');
    await eventually(() => records[1]!.chunks.length > 0, 'the partial request to arrive');
    const uncaught = watchUncaught();
    try {
      rude.reset();
      await eventually(() => records[1]!.closedCalls === 1, 'closed() for the reset socket');
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      uncaught.stop();
    }
    if (uncaught.errors.length > 0) {
      throw new Error(
        `the reset made the socket emit 'error' (${uncaught.errors.map((e) => e.code ?? e.message).join(', ')}) and nothing listened: ` +
          `in Node an 'error' event without a listener is an uncaught exception, which ends the whole server process and every other client with it. ` +
          `Add socket.on('error', …) for every socket; 'close' follows and reports it`,
      );
    }
    expect(
      records[1]!.closedWith[0],
      "closed(error) for a socket that died of a reset: pass the error the socket emitted ('error' comes before 'close')",
    ).toBeInstanceOf(Error);
    await eventually(() => listener!.connections === 1, 'listener.connections to forget the reset socket (it ends with \'close\', never \'end\')');
    // The other connection still echoes, and new connections are still accepted.
    await steady.write('still here');
    expect(Buffer.from(await steady.readBytes(10)).toString()).toBe('still here');
    const late = await connect();
    await late.write('new');
    expect(Buffer.from(await late.readBytes(3)).toString()).toBe('new');
  });

  test('a handler that throws loses its own socket only', async () => {
    const records = await start((record, bytes) => {
      if (Buffer.from(bytes).toString().includes('boom')) throw new Error('handler bug');
      record.socket.write(bytes);
    });
    const steady = await connect();
    const doomed = await connect();
    await eventually(() => records.length === 2, 'both connections to be accepted');
    const uncaught = watchUncaught();
    let notClosed: Error | null = null;
    try {
      await doomed.write('boom');
      await doomed.expectClosed().catch((error: Error) => void (notClosed = error));
    } finally {
      uncaught.stop();
    }
    if (uncaught.errors.length > 0) {
      throw new Error(
        `receive() threw "${uncaught.errors[0]!.message}" and it escaped the 'data' listener as an uncaught exception: ` +
          `in a server that ends the process and every connection. Catch it around handler.receive() and destroy that socket only`,
      );
    }
    if (notClosed) {
      throw new Error(
        `a handler whose receive() throws must get its socket destroyed (catch the error around receive(), then socket.destroy())\n${(notClosed as Error).message}`,
      );
    }
    await eventually(() => records[1]!.closedCalls === 1, 'closed() for the socket whose handler threw');
    expect(
      records[1]!.closedWith[0]?.message,
      'closed(error) for the socket whose handler threw: pass the error receive() threw',
    ).toBe('handler bug');
    await steady.write('fine');
    expect(Buffer.from(await steady.readBytes(4)).toString()).toBe('fine');
  });

  test('an accept() that throws loses that socket only; the server keeps accepting', async () => {
    let accepted = 0;
    const uncaught = watchUncaught();
    try {
      // The first accept() throws; every later one gets an echoing handler.
      listener = await listen({ port: 0, host: '127.0.0.1' }, (socket): ConnectionHandler => {
        accepted++;
        if (accepted === 1) throw new Error('no handler for this one');
        return { receive: (bytes) => void socket.write(bytes), closed: () => {} };
      });
      const refused = await connect();
      await eventually(() => accepted === 1, 'accept(socket) for the first connection');
      const notClosed = await refused.expectClosed().then(
        () => null,
        (error: Error) => error,
      );
      if (notClosed) {
        throw new Error(
          `accept(socket) threw for the first connection and that socket was left open: with no handler nobody ` +
            `will ever read it, so catch the error around accept() and destroy() that socket\n${notClosed.message}`,
        );
      }
      await eventually(() => listener!.connections === 0, "listener.connections to forget the socket whose accept() threw (remove it on its 'close')");
      const next = await connect();
      await next.write('next');
      const back = await next.readBytes(4).catch((error: Error) => {
        throw new Error(
          `after accept() threw for one connection, a new client sent "next" and got no echo (${error.message}): ` +
            `the failure of one accept() must not stop the server accepting and serving the next`,
        );
      });
      expect(Buffer.from(back).toString(), 'the next connection is served as usual').toBe('next');
    } finally {
      uncaught.stop();
    }
    if (uncaught.errors.length > 0) {
      throw new Error(
        `accept(socket) threw "${uncaught.errors[0]!.message}" and it escaped the connection callback as an uncaught exception: ` +
          `in a server that ends the process. Catch it, destroy that socket, and keep serving the others`,
      );
    }
  });
});

describe('close()', () => {
  test('resolves once every socket is gone, destroying open ones', async () => {
    const records = await start();
    const open = [await connect(), await connect(), await connect()];
    await eventually(() => records.length === 3, 'three connections to be accepted');
    const closing = listener!;
    listener = null;
    await bounded(closing.close(), 'close() to resolve with three clients still connected (destroy them)');
    expect(
      closing.connections,
      "no socket may be left open once close() resolves: destroy() only starts closing a socket, and server.close(callback) can call back before the destroyed sockets emit 'close'. Resolve once the callback has run AND every tracked socket has emitted 'close'",
    ).toBe(0);
    expect(
      records.map((r) => r.closedCalls),
      "every handler is told closed() before close() resolves (times closed() was called, per socket): wait for each socket's 'close' event, not only for server.close's callback",
    ).toEqual([1, 1, 1]);
    for (const client of open) await client.expectClosed();
    await expect(RawClient.connect(closing.port), 'no new connection once closed').rejects.toThrow();
  });

  test('resolves promptly when nothing is connected', async () => {
    await start();
    const closing = listener!;
    listener = null;
    await bounded(closing.close(), 'close() to resolve', 500);
  });
});
