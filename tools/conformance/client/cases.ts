/**
 * Client-side conformance: scripted servers that answer the way a bad or unusual server would, and
 * what a client must do about it. Each case names the RFC 6455 section it checks.
 *
 * The scripted server (raw node:net) reads the client's request head, then runs its script with
 * the key, and records every frame the client sends (unmasked, with whether it was masked and its
 * key). The client is passed in (`ClientClass`), so the same cases check either tree.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The RSV1 bit of a frame's first byte (§5.2): meaningful only with an extension that uses it. */
const RSV1 = 0x40;
const accept = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

/** A frame the client sent, as the scripted server read it. */
export interface SentFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskingKey: string;
  readonly payload: Buffer;
}

/** What the client did, seen from both ends. */
export interface Outcome {
  opened: boolean;
  errors: string[];
  messages: Array<string | Uint8Array>;
  close: { code: number; reason: string; wasClean: boolean } | null;
  /** Frames the client sent after the handshake. */
  frames: SentFrame[];
  /** Whether the client closed TCP before the server did. */
  clientClosedTcpFirst: boolean;
}

interface ClientLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
  send(data: string): unknown;
  readonly closed: Promise<{ code: number; reason: string; wasClean: boolean }>;
}
export type ClientClass = new (url: string, protocols?: string | readonly string[], options?: Record<string, unknown>) => ClientLike;

export interface ClientCase {
  readonly id: string;
  readonly section: string;
  readonly title: string;
  readonly protocols?: readonly string[];
  readonly options?: Record<string, unknown>;
  /** What the server does once the request head is in. */
  readonly script: (socket: net.Socket, key: string, frames: SentFrame[]) => void;
  /** Null when the client behaved; else what was wrong. */
  readonly check: (outcome: Outcome) => string | null;
}

const upgrade = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n${extra}\r\n`;
/** A server frame (unmasked unless `mask` is given). */
export function serverFrame(opcode: number, payload: Uint8Array | string, fin = true, mask?: Buffer): Buffer {
  const data = Buffer.from(typeof payload === 'string' ? Buffer.from(payload) : payload);
  const head = [(fin ? 0x80 : 0) | opcode];
  if (data.length < 126) head.push((mask ? 0x80 : 0) | data.length);
  else head.push((mask ? 0x80 : 0) | 126, data.length >> 8, data.length & 0xff);
  if (mask) {
    for (let i = 0; i < data.length; i++) data[i]! ^= mask[i % 4]!;
    return Buffer.concat([Buffer.from(head), mask, data]);
  }
  return Buffer.concat([Buffer.from(head), data]);
}
const closeFrame = (code: number, reason = ''): Buffer => serverFrame(0x8, Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]));
/** Answers the client's close frame with the same code, then closes TCP (a well-behaved server). */
const answerClose = (socket: net.Socket, frames: SentFrame[]): void => {
  const timer = setInterval(() => {
    const close = frames.find((frame) => frame.opcode === 0x8);
    if (close === undefined) return;
    clearInterval(timer);
    if (!socket.destroyed) socket.end(serverFrame(0x8, close.payload));
  }, 5);
  socket.once('close', () => clearInterval(timer));
};
/** A script: a valid 101 and `after` in one write (one TCP segment), then a well-behaved close. */
const upgradeThen = (...after: Buffer[]): ClientCase['script'] => (socket, key, frames) => {
  socket.write(Buffer.concat([Buffer.from(upgrade(key), 'latin1'), ...after]));
  answerClose(socket, frames);
};
const closeCodeOf = (frame: SentFrame | undefined): number | null => (frame === undefined || frame.payload.length < 2 ? null : frame.payload.readUInt16BE(0));
const sentClose = (outcome: Outcome): SentFrame | undefined => outcome.frames.find((frame) => frame.opcode === 0x8);
const failedWith = (code: number) => (outcome: Outcome): string | null => {
  const sent = closeCodeOf(sentClose(outcome));
  if (sent !== code) return `the client should fail the connection with a close frame ${code}; it sent ${sent === null ? 'no close code' : sent}`;
  if (outcome.messages.length > 0) return `the client delivered ${JSON.stringify(outcome.messages)} before failing`;
  return null;
};
const neverOpened = (outcome: Outcome): string | null => {
  if (outcome.opened) return 'the client opened the connection; it must fail it during the handshake';
  if (outcome.errors.length === 0) return 'the client reported no error';
  if (outcome.frames.length > 0) return `the client sent ${outcome.frames.length} frame(s) on a connection that never opened`;
  return null;
};

export const CLIENT_CASES: readonly ClientCase[] = [
  {
    id: 'C1.1', section: '§4.1', title: 'a wrong Sec-WebSocket-Accept fails the handshake',
    script: (socket) => socket.write(upgrade('dGhlIHNhbXBsZSBub25jZQ==')),
    check: neverOpened,
  },
  {
    id: 'C1.2', section: '§4.1', title: 'a 101 without Upgrade fails the handshake',
    script: (socket, key) => socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`),
    check: neverOpened,
  },
  {
    id: 'C1.3', section: '§4.1', title: 'a subprotocol that was not offered fails the handshake', protocols: ['chat'],
    script: (socket, key) => socket.write(upgrade(key, 'Sec-WebSocket-Protocol: superchat\r\n')),
    check: neverOpened,
  },
  {
    id: 'C1.4', section: '§4.1', title: 'an extension that was not offered fails the handshake',
    script: (socket, key) => socket.write(upgrade(key, 'Sec-WebSocket-Extensions: x-unknown\r\n')),
    check: neverOpened,
  },
  {
    id: 'C1.5', section: '§4.1', title: 'a 403 is a failure that carries the status and the body',
    script: (socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nno entry\n'),
    check: (outcome) => neverOpened(outcome) ?? (outcome.errors.some((error) => error.includes('403') && error.includes('no entry')) ? null : `the error should name 403 and the body; got ${JSON.stringify(outcome.errors)}`),
  },
  {
    id: 'C1.6', section: '§4.1, §5.2', title: 'a 101 and a frame in the same TCP segment: the frame is delivered',
    script: upgradeThen(serverFrame(0x1, 'at once')),
    check: (outcome) => (outcome.messages[0] === 'at once' ? null : `expected the message "at once" right after the 101; got ${JSON.stringify(outcome.messages)}`),
  },
  {
    id: 'C1.7', section: '§4.1', title: 'a 101 without Connection: Upgrade fails the handshake',
    script: (socket, key) => socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`),
    check: neverOpened,
  },
  {
    id: 'C1.8', section: '§4.1', title: 'a 200 from a server that ignores the upgrade fails the handshake, naming the status',
    script: (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 14\r\n\r\n<h1>hello</h1>'),
    check: (outcome) => neverOpened(outcome) ?? (outcome.errors.some((error) => error.includes('200')) ? null : `the error should name the status 200; got ${JSON.stringify(outcome.errors)}`),
  },
  {
    id: 'C1.9', section: '§4.1', title: 'a 101 that arrives one byte at a time, then a frame: the frame is delivered',
    script: (socket, key, frames) => {
      const bytes = Buffer.concat([Buffer.from(upgrade(key), 'latin1'), serverFrame(0x1, 'slowly')]);
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at === bytes.length) return clearInterval(timer);
        socket.write(bytes.subarray(at, ++at));
      }, 1);
      answerClose(socket, frames);
    },
    check: (outcome) => (outcome.messages[0] === 'slowly' ? null : `expected the message "slowly" after a 101 sent byte by byte; got ${JSON.stringify(outcome.messages)}`),
  },
  {
    id: 'C2.1', section: '§5.1', title: 'a masked server frame fails the connection with 1002',
    script: upgradeThen(serverFrame(0x1, 'masked', true, Buffer.from([1, 2, 3, 4]))),
    check: failedWith(1002),
  },
  {
    id: 'C2.2', section: '§5.3', title: 'every client frame is masked, with a new key each',
    script: upgradeThen(serverFrame(0x1, 'one'), serverFrame(0x1, 'two')),
    check: (outcome) => {
      if (outcome.frames.length < 2) return `expected the client's echoes, got ${outcome.frames.length} frame(s)`;
      if (!outcome.frames.every((frame) => frame.masked)) return 'a client frame was not masked';
      const keys = new Set(outcome.frames.map((frame) => frame.maskingKey));
      return keys.size === outcome.frames.length ? null : `masking keys repeat: ${[...outcome.frames.map((frame) => frame.maskingKey)].join(' ')}`;
    },
  },
  {
    id: 'C2.3', section: '§5.2', title: 'RSV1 set with no extension agreed fails the connection with 1002',
    script: upgradeThen(serverFrame(RSV1 | 0x1, 'rsv1')),
    check: failedWith(1002),
  },
  {
    id: 'C2.4', section: '§5.2', title: 'a reserved data opcode (0x3) fails the connection with 1002',
    script: upgradeThen(serverFrame(0x3, 'what')),
    check: failedWith(1002),
  },
  {
    id: 'C3.1', section: '§5.4, §5.5', title: 'a fragmented message with a ping between its fragments',
    script: upgradeThen(serverFrame(0x1, 'Hel', false), serverFrame(0x9, 'p'), serverFrame(0x0, 'lo', true)),
    check: (outcome) => {
      if (outcome.messages[0] !== 'Hello') return `expected "Hello", got ${JSON.stringify(outcome.messages)}`;
      const pong = outcome.frames.find((frame) => frame.opcode === 0xa);
      return pong?.payload.toString() === 'p' ? null : 'the ping between the fragments got no pong with its payload (§5.5.2)';
    },
  },
  {
    id: 'C3.2', section: '§5.5', title: 'a fragmented ping fails the connection with 1002',
    script: upgradeThen(serverFrame(0x9, 'p', false)),
    check: failedWith(1002),
  },
  {
    id: 'C3.3', section: '§5.4', title: 'a continuation frame with no message to continue fails with 1002',
    script: upgradeThen(serverFrame(0x0, 'orphan')),
    check: failedWith(1002),
  },
  {
    id: 'C3.4', section: '§5.4', title: 'a new text frame inside a fragmented message fails with 1002',
    script: upgradeThen(serverFrame(0x1, 'one', false), serverFrame(0x1, 'two')),
    check: failedWith(1002),
  },
  {
    id: 'C3.5', section: '§5.5', title: 'a ping with 126 bytes of payload fails the connection with 1002',
    script: upgradeThen(serverFrame(0x9, Buffer.alloc(126, 0x61))),
    check: failedWith(1002),
  },
  {
    id: 'C4.1', section: '§8.1', title: 'invalid UTF-8 in a text message fails the connection with 1007',
    script: upgradeThen(serverFrame(0x1, Buffer.from([0xce, 0xba, 0xff]))),
    check: failedWith(1007),
  },
  {
    id: 'C4.2', section: '§8.1', title: 'invalid UTF-8 in the first fragment fails with 1007 before the message ends (fail fast)',
    script: upgradeThen(serverFrame(0x1, Buffer.from([0x61, 0xff]), false)),
    check: failedWith(1007),
  },
  {
    id: 'C5.1', section: '§7.4.1', title: 'a close frame with code 1005 on the wire fails with 1002',
    script: (socket, key, frames) => {
      socket.write(Buffer.concat([Buffer.from(upgrade(key), 'latin1'), closeFrame(1005)]));
      setTimeout(() => socket.end(), 100);
      void frames;
    },
    check: failedWith(1002),
  },
  {
    id: 'C5.2', section: '§5.5.1, §7.1.1', title: 'the server closes with 4000: the client echoes it and lets the server close TCP',
    script: (socket, key, frames) => {
      socket.write(Buffer.concat([Buffer.from(upgrade(key), 'latin1'), closeFrame(4000, 'bye')]));
      const timer = setInterval(() => {
        if (frames.some((frame) => frame.opcode === 0x8)) {
          clearInterval(timer);
          setTimeout(() => socket.end(), 50);
        }
      }, 5);
      socket.once('close', () => clearInterval(timer));
    },
    check: (outcome) => {
      if (closeCodeOf(sentClose(outcome)) !== 4000) return `the client should echo 4000; it sent ${closeCodeOf(sentClose(outcome))}`;
      if (outcome.clientClosedTcpFirst) return 'the client closed TCP first; after the close frames the server does (§7.1.1)';
      const close = outcome.close;
      return close !== null && close.code === 4000 && close.reason === 'bye' && close.wasClean ? null : `expected a clean close 4000 "bye"; got ${JSON.stringify(close)}`;
    },
  },
  {
    id: 'C5.3', section: '§7.1.1', title: 'a server that never closes TCP: the client gives up after its close timeout',
    options: { closeTimeout: 150 },
    script: (socket, key) => socket.write(Buffer.concat([Buffer.from(upgrade(key), 'latin1'), closeFrame(1000)])),
    check: (outcome) => (outcome.close?.wasClean === true && outcome.clientClosedTcpFirst ? null : `expected a clean close ended by the client's timeout; got ${JSON.stringify(outcome.close)}`),
  },
  {
    id: 'C5.4', section: '§7.4.2', title: 'a close frame with code 999 (never valid) fails with 1002',
    script: upgradeThen(closeFrame(999)),
    check: failedWith(1002),
  },
  {
    id: 'C5.5', section: '§5.5.1', title: 'a close frame with a 1-byte payload fails with 1002',
    script: upgradeThen(serverFrame(0x8, Buffer.from([0x03]))),
    check: failedWith(1002),
  },
  {
    id: 'C5.6', section: '§5.5.1, §8.1', title: 'a close reason that is not UTF-8 fails with 1007',
    script: upgradeThen(serverFrame(0x8, Buffer.from([0x03, 0xe8, 0xff, 0xfe]))),
    check: failedWith(1007),
  },
  {
    id: 'C5.7', section: '§7.1.2, §7.1.1', title: 'the client closes first: it waits for the answer and for the server to close TCP',
    script: upgradeThen(serverFrame(0x1, 'then close')),
    check: (outcome) => {
      if (closeCodeOf(sentClose(outcome)) !== 1000) return `the client should close with 1000; it sent ${closeCodeOf(sentClose(outcome))}`;
      if (outcome.clientClosedTcpFirst) return 'the client closed TCP before the server did (§7.1.1)';
      return outcome.close?.wasClean === true && outcome.close.code === 1000 ? null : `expected a clean close 1000; got ${JSON.stringify(outcome.close)}`;
    },
  },
  {
    id: 'C6.1', section: '§10.4', title: 'a message larger than maxPayload fails the connection with 1009', options: { maxPayload: 1000 },
    script: upgradeThen(serverFrame(0x2, Buffer.alloc(2000, 7))),
    check: failedWith(1009),
  },
];

/** Reads masked client frames from `buffer`, returning the rest. */
function readFrames(buffer: Buffer, frames: SentFrame[]): Buffer {
  for (;;) {
    if (buffer.length < 2) return buffer;
    const masked = (buffer[1]! & 0x80) !== 0;
    let length = buffer[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return buffer;
      length = Number(buffer.readBigUInt64BE(2));
      at = 10;
    }
    const key = masked ? buffer.subarray(at, at + 4) : Buffer.alloc(4);
    if (masked) at += 4;
    if (buffer.length < at + length) return buffer;
    const payload = Buffer.from(buffer.subarray(at, at + length));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    frames.push({ fin: (buffer[0]! & 0x80) !== 0, opcode: buffer[0]! & 0x0f, masked, maskingKey: key.toString('hex'), payload });
    buffer = buffer.subarray(at + length);
  }
}

/** Runs one case: a scripted server on port 0, the client against it; resolves with the reason or null. */
export async function runClientCase(Client: ClientClass, testCase: ClientCase, timeoutMs = 3000): Promise<string | null> {
  const frames: SentFrame[] = [];
  let clientClosedTcpFirst = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    let buffer: Buffer = Buffer.alloc(0);
    let key: string | null = null;
    let serverEnded = false;
    const end = socket.end.bind(socket);
    socket.end = ((...args: Parameters<typeof end>) => {
      serverEnded = true;
      return end(...args);
    }) as typeof socket.end;
    socket.on('end', () => {
      if (!serverEnded) clientClosedTcpFirst = true;
      socket.end();
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (key === null) {
        const endOfHead = buffer.indexOf('\r\n\r\n');
        if (endOfHead < 0) return;
        key = /^sec-websocket-key:\s*(\S+)/im.exec(buffer.subarray(0, endOfHead).toString('latin1'))?.[1] ?? '';
        buffer = buffer.subarray(endOfHead + 4);
        testCase.script(socket, key, frames);
      }
      buffer = readFrames(buffer, frames);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const outcome: Outcome = { opened: false, errors: [], messages: [], close: null, frames, clientClosedTcpFirst: false };
  try {
    const client = new Client(`ws://127.0.0.1:${port}/`, testCase.protocols ?? [], { handshakeTimeout: 1000, closeTimeout: 1000, ...testCase.options });
    let closer: NodeJS.Timeout | undefined;
    client.on('open', () => {
      outcome.opened = true;
    });
    client.on('error', (error: Error) => void outcome.errors.push(`${error.message}${'body' in error ? ` ${Buffer.from(error.body as Uint8Array).toString()}` : ''}`));
    client.on('message', (data: string | Uint8Array) => {
      outcome.messages.push(data);
      client.send(typeof data === 'string' ? data : 'binary');
      // The client ends a case that delivered messages: shortly after the last one, it closes.
      clearTimeout(closer);
      closer = setTimeout(() => (client as unknown as { close(code: number): void }).close(1000), 50);
    });
    const closed = await Promise.race([client.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
    if (closed === null) return `the client did not close within ${timeoutMs} ms`;
    outcome.close = closed;
    // Let the last frames and FINs reach the scripted server.
    await new Promise((resolve) => setTimeout(resolve, 30));
    outcome.clientClosedTcpFirst = clientClosedTcpFirst;
    return testCase.check(outcome);
  } catch (error) {
    return `the client threw: ${(error as Error).message}`;
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
