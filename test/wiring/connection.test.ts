/**
 * The connection as a sans-I/O state machine: fed plain bytes, it answers with bytes to write, "end",
 * "destroy" and events, with no socket and no timer. A recording sink collects what it says, and a
 * clock the test moves by hand stands in for time. Runs against the tree the tests run against (the
 * reference by default), through the given code in server/wiring.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionEvent, ConnectionOptions, ConnectionSink } from '../../server/wiring/connection.ts';
import { Connection } from '../../server/wiring/connection.ts';
import { ReadyState } from '../../core/ready-state.ts';
import {
  SAMPLE_ACCEPT,
  close,
  concatBytes,
  continuation,
  describeFrames,
  escaped,
  findHeadEnd,
  parseFrame,
  ping,
  text,
  toBytes,
  upgradeRequest,
} from '../../tools/wire/index.ts';
import type { FrameRead } from '../../tools/wire/index.ts';

/** What the connection said, in order. */
class Recorder implements ConnectionSink {
  readonly written: Uint8Array[] = [];
  readonly events: ConnectionEvent[] = [];
  ended = 0;
  destroyed: string | null = null;

  write(chunks: readonly Uint8Array[]): void {
    this.written.push(concatBytes(...chunks));
  }
  end(): void {
    this.ended++;
  }
  destroy(reason: string): void {
    this.destroyed = reason;
  }
  emit(event: ConnectionEvent): void {
    this.events.push(event);
  }

  /** Every byte written so far. */
  bytes(): Uint8Array {
    return concatBytes(...this.written);
  }

  /** The HTTP head written first, as text. */
  head(): string {
    const all = this.bytes();
    const end = findHeadEnd(all);
    return new TextDecoder().decode(end < 0 ? all : all.subarray(0, end));
  }

  /** The frames written after the head. */
  frames(): FrameRead[] {
    const all = this.bytes();
    let at = Math.max(0, findHeadEnd(all));
    const frames: FrameRead[] = [];
    while (at < all.length) {
      const parsed = parseFrame(all.subarray(at));
      if (parsed.kind !== 'frame') throw new Error(`a partial frame was written:\n${describeFrames(all.subarray(at))}`);
      frames.push(parsed.frame);
      at += parsed.size;
    }
    return frames;
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  /** What was written, for failure messages. */
  transcript(): string {
    const all = this.bytes();
    const end = Math.max(0, findHeadEnd(all));
    return `written:\n  ${escaped(all.subarray(0, end))}\n  ${describeFrames(all.subarray(end))}\nevents: ${this.types().join(', ')}`;
  }
}

/** A connection with a recorder and a hand-moved clock (ms). */
function connect(options: ConnectionOptions = {}) {
  const sink = new Recorder();
  const clock = { now: 0 };
  const connection = new Connection(sink, options, () => clock.now);
  return { connection, sink, clock };
}

const REQUEST = toBytes(upgradeRequest());
/** §5.7's masked "Hello". A fresh copy each time: the connection unmasks the bytes it is fed in place. */
const hello = (): Uint8Array => text('Hello', { mask: Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) });

/** An OPEN connection: the RFC's sample request fed whole. */
function opened(options: ConnectionOptions = {}) {
  const parts = connect(options);
  parts.connection.receive(REQUEST);
  parts.sink.written.length = 0;
  parts.sink.events.length = 0;
  return parts;
}

/** The close frame the connection wrote, as code and reason. */
function closeOf(frame: FrameRead | undefined): { code: number | undefined; reason: string | undefined } | undefined {
  return frame === undefined ? undefined : { code: frame.closeCode, reason: frame.closeReason };
}

describe('RFC 6455 §4.2.2: the opening handshake, sans-I/O', () => {
  it('the sample request gets the sample 101 and an open event', () => {
    const { connection, sink } = connect();
    connection.receive(REQUEST);
    expect(sink.head(), sink.transcript()).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n\r\n`,
    );
    expect(sink.types()).toEqual(['open']);
    expect(connection.readyState).toBe(ReadyState.OPEN);
  });

  it('the same request byte by byte gives the same bytes and events', () => {
    const whole = connect();
    whole.connection.receive(REQUEST);
    const split = connect();
    for (const byte of REQUEST) {
      expect(split.sink.written, 'nothing is answered before the blank line').toHaveLength(0);
      split.connection.receive(Uint8Array.of(byte));
    }
    expect(split.sink.bytes()).toEqual(whole.sink.bytes());
    expect(split.sink.types()).toEqual(['open']);
  });

  it('a frame in the same chunk as the head is not lost (pipelined)', () => {
    const { connection, sink } = connect();
    connection.receive(concatBytes(REQUEST, hello()));
    expect(sink.types(), sink.transcript()).toEqual(['open', 'message']);
    expect(sink.events[1]).toEqual({ type: 'message', message: { type: 'text', data: toBytes('Hello') } });
  });

  it('a plain GET is handed to the application, and its answer closes the TCP connection', () => {
    const { connection, sink } = connect();
    connection.receive(toBytes('GET /page HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(sink.events[0]).toMatchObject({ type: 'request', path: '/page' });
    expect(connection.readyState).toBe(ReadyState.CONNECTING);
    connection.respond({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'hi' });
    expect(sink.head(), sink.transcript()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close/);
    expect(sink.ended, 'end() once after the answer').toBe(1);
    connection.respond({ status: 200 });
    expect(sink.written, 'a second answer is ignored').toHaveLength(1);
  });

  for (const [name, request, status, header] of [
    ['no Sec-WebSocket-Key', upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } }), 400, null],
    ['version 8', upgradeRequest({ version: '8' }), 426, 'Sec-WebSocket-Version: 13'],
    ['a head over the limit', upgradeRequest({ headers: { 'X-Big': 'x'.repeat(9000) } }), 431, null],
    ['garbage', 'HELLO\r\n\r\n', 400, null],
  ] as const) {
    it(`${name}: ${status}, then the TCP close, and no event but the error`, () => {
      const { connection, sink } = connect();
      connection.receive(toBytes(request));
      expect(sink.head(), sink.transcript()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      if (header !== null) expect(sink.head()).toContain(header);
      expect(sink.ended).toBe(1);
      expect(sink.types()).toEqual(['error']);
      expect(connection.readyState).toBe(ReadyState.CLOSED);
      connection.receive(REQUEST);
      expect(sink.written, 'nothing more is read after a refusal').toHaveLength(1);
    });
  }
});

describe('RFC 6455 §5: frames in, frames out', () => {
  it('the same message whatever the chunking: split at every byte boundary', () => {
    for (let cut = 1; cut < hello().length; cut++) {
      const { connection, sink } = opened();
      const frame = hello();
      connection.receive(frame.subarray(0, cut));
      expect(sink.events, `after the first ${cut} bytes: no message yet`).toHaveLength(0);
      connection.receive(frame.subarray(cut));
      expect(sink.events, `split after byte ${cut}`).toEqual([{ type: 'message', message: { type: 'text', data: toBytes('Hello') } }]);
    }
  });

  it('a fragmented message arrives once, whole', () => {
    const { connection, sink } = opened();
    connection.receive(concatBytes(text('Hel', { fin: false }), ping('p'), continuation('lo')));
    expect(sink.events.filter((event) => event.type === 'message')).toEqual([{ type: 'message', message: { type: 'text', data: toBytes('Hello') } }]);
  });

  it('§5.5.2: a ping is answered with a pong carrying its payload', () => {
    const { connection, sink } = opened();
    connection.receive(ping('are you there'));
    const [pong] = sink.frames();
    expect(pong?.opcode, sink.transcript()).toBe(0xa);
    expect(new TextDecoder().decode(pong!.payload)).toBe('are you there');
    expect(pong?.masked, 'server frames are never masked (§5.1)').toBe(false);
  });

  it('send() writes one unmasked frame, and nothing before OPEN or after the close', () => {
    const { connection, sink } = connect();
    expect(connection.send('early'), 'send() before OPEN').toBe(false);
    connection.receive(REQUEST);
    sink.written.length = 0;
    expect(connection.send('Hello')).toBe(true);
    expect(sink.bytes()).toEqual(Uint8Array.of(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f));
    connection.close();
    expect(connection.send('late'), 'send() while CLOSING').toBe(false);
  });

  it('a text message arrives as its bytes; sent back as text during its delivery they go out as they came', () => {
    const { connection, sink } = opened();
    // The application's listener, as the server calls it: inside the connection's emit.
    const emit = sink.emit.bind(sink);
    sink.emit = (event) => {
      emit(event);
      if (event.type === 'message') connection.send(event.message.data, false);
    };
    connection.receive(text('héllo wörld ✓'));
    expect(sink.events.find((event) => event.type === 'message')).toEqual({ type: 'message', message: { type: 'text', data: toBytes('héllo wörld ✓') } });
    const [echo] = sink.frames();
    expect(echo?.opcode, sink.transcript()).toBe(0x1);
    expect(new TextDecoder().decode(echo!.payload)).toBe('héllo wörld ✓');
  });

  it('send(bytes, false) checks any other bytes: invalid UTF-8 throws a TypeError and writes nothing', () => {
    const { connection, sink } = opened();
    // c3 28: a two-byte lead followed by "(", not a continuation byte.
    expect(() => connection.send(Uint8Array.of(0xc3, 0x28), false)).toThrow(TypeError);
    expect(() => connection.send(Uint8Array.of(0xed, 0xa0, 0x80), false), 'a surrogate (U+D800) is not UTF-8').toThrow(/not valid UTF-8/);
    expect(sink.written, 'nothing is written for a refused send').toEqual([]);
    connection.send(toBytes('ok ✓'), false);
    connection.send('as bytes', true);
    connection.send(Uint8Array.of(0xff), true);
    expect(sink.frames().map((frame) => [frame.opcode, escaped(frame.payload)]), sink.transcript()).toEqual([
      [0x1, escaped(toBytes('ok ✓'))],
      [0x2, escaped(toBytes('as bytes'))],
      [0x2, escaped(Uint8Array.of(0xff))],
    ]);
  });
});

describe('RFC 6455 §7: closing, from either side', () => {
  it('the client closes: the server echoes the code, closes TCP first, and the end is clean', () => {
    const { connection, sink } = opened();
    connection.receive(close(1000, 'bye'));
    expect(sink.frames().map(closeOf), sink.transcript()).toEqual([{ code: 1000, reason: '' }]);
    expect(sink.ended, 'the server closes the TCP connection first (§7.1.1)').toBe(1);
    expect(connection.readyState).toBe(ReadyState.CLOSING);
    connection.receive(text('after the close'));
    expect(sink.frames(), 'nothing is read after the peer’s close (§5.5.1)').toHaveLength(1);
    connection.transportClosed();
    expect(sink.events.at(-1)).toEqual({ type: 'closed', code: 1000, reason: 'bye', wasClean: true });
    expect(connection.readyState).toBe(ReadyState.CLOSED);
  });

  it('the server closes: one close frame, data discarded, pings still answered, then the peer’s close ends it', () => {
    const { connection, sink } = opened();
    connection.close(1001, 'going');
    expect(sink.frames().map(closeOf)).toEqual([{ code: 1001, reason: 'going' }]);
    expect(connection.readyState).toBe(ReadyState.CLOSING);
    connection.receive(concatBytes(text('late data'), ping('still there?')));
    const after = sink.frames().slice(1);
    expect(
      after.map((frame) => frame.opcode),
      `§5.5.1 forbids only data frames after our close; §5.5.2: a ping is answered until the peer's close has come\n${sink.transcript()}`,
    ).toEqual([0xa]);
    expect(sink.types().includes('message'), 'data after our close is not delivered').toBe(false);
    connection.receive(close(1001));
    expect(sink.frames().filter((frame) => frame.opcode === 0x8), 'no second close frame').toHaveLength(1);
    expect(sink.ended).toBe(1);
    connection.transportClosed();
    expect(sink.events.at(-1)).toMatchObject({ type: 'closed', code: 1001, wasClean: true });
  });

  it('the TCP connection drops without close frames: 1006, not clean', () => {
    const { connection, sink } = opened();
    connection.transportClosed();
    expect(sink.events).toEqual([{ type: 'closed', code: 1006, reason: '', wasClean: false }]);
    connection.transportClosed();
    expect(sink.events, 'closed is told once').toHaveLength(1);
  });
});

describe('RFC 6455 §7.1.7: each error fails the connection with its code', () => {
  for (const [name, bytes, code] of [
    ['an unmasked client frame (§5.1)', text('x', { mask: false }), 1002],
    ['a reserved opcode 0x3 (§5.2)', Uint8Array.of(0x83, 0x80, 1, 2, 3, 4), 1002],
    ['a set RSV1 bit with no extension (§5.2)', text('x', { rsv1: true }), 1002],
    ['a fragmented ping (§5.5)', ping('x', { fin: false }), 1002],
    ['a continuation with nothing to continue (§5.4)', continuation('x'), 1002],
    ['invalid UTF-8 in a text message (§8.1)', text(Uint8Array.of(0xce, 0xba, 0xff)), 1007],
    ['a message over the limit (maxMessageLength 10)', text('x'.repeat(11)), 1009],
    ['a close code that may not be sent (1005)', close(1005), 1002],
  ] as const) {
    it(`${name}: close ${code}, then the TCP close`, () => {
      const { connection, sink } = opened({ maxMessageLength: 10 });
      connection.receive(bytes);
      expect(sink.frames().map((frame) => frame.closeCode), `sent: ${describeFrames(bytes)}\n${sink.transcript()}`).toEqual([code]);
      expect(sink.ended).toBe(1);
      expect(sink.types()).toContain('error');
      connection.transportClosed();
      expect(sink.events.at(-1)).toMatchObject({ type: 'closed', code: 1006, wasClean: false });
    });
  }

  it('a continuation claiming more than the message has left is refused from its header, before its payload', () => {
    const { connection, sink } = opened({ maxMessageLength: 1000 });
    connection.receive(text('x'.repeat(900), { fin: false }));
    // Only the 8-byte header of a 200-byte continuation: 900 + 200 > 1000 is known before any payload.
    connection.receive(continuation('y'.repeat(200)).subarray(0, 8));
    expect(sink.frames().map((frame) => frame.closeCode), sink.transcript()).toEqual([1009]);
  });
});

describe('RFC 6455 §5.5.2 and chapter 08: deadlines on the connection’s own clock', () => {
  it('the handshake must end in time: past handshakeTimeout the connection is dropped, not answered', () => {
    const { connection, sink, clock } = connect({ handshakeTimeout: 100 });
    connection.receive(toBytes('GET / HTTP/1.1\r\n'));
    expect(connection.deadline()).toBe(100);
    clock.now = 99;
    connection.checkTimers();
    expect(sink.destroyed, 'not due yet at 99 ms').toBeNull();
    clock.now = 100;
    connection.checkTimers();
    expect(sink.destroyed, 'dropped at the deadline').not.toBeNull();
    expect(sink.written, 'no answer to a client that took too long').toHaveLength(0);
  });

  it('a silent open connection is pinged, then dropped when no pong comes', () => {
    const { connection, sink, clock } = connect({ pingInterval: 1000, pongTimeout: 500 });
    connection.receive(REQUEST);
    sink.written.length = 0;
    clock.now = 1000;
    connection.checkTimers();
    expect(sink.frames().map((frame) => frame.opcode), 'a ping after 1000 ms of silence').toEqual([0x9]);
    clock.now = 1499;
    connection.checkTimers();
    expect(sink.destroyed).toBeNull();
    clock.now = 1500;
    connection.checkTimers();
    expect(sink.destroyed, 'no pong within 500 ms').not.toBeNull();
  });

  it('our close frame must be answered in time', () => {
    const { connection, sink, clock } = opened({ closeTimeout: 200 });
    connection.close();
    clock.now = 200;
    connection.checkTimers();
    expect(sink.destroyed, 'no close frame back within 200 ms').not.toBeNull();
  });
});
