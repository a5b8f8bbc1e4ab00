/**
 * The client toolkit (tools/wire) checked on its own, with the RFC's vectors: every test, the
 * conformance suite and the benchmark read the server's answers with it, so it must be right without
 * asking the code under test.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PROMPT_SILENCE_MS,
  RawClient,
  SAMPLE_ACCEPT,
  SAMPLE_KEY,
  acceptFor,
  clientFrame,
  clientFrameHeader,
  concatBytes,
  describeFrames,
  escaped,
  fromHex,
  hex,
  parseFrame,
  parseResponseHead,
  patternBytes,
  serverFrameViolation,
  upgradeRequest,
} from '../../tools/wire/index.ts';

const KEY = fromHex('37 fa 21 3d');

describe('RFC 6455 §1.3, §4.1: the handshake', () => {
  it('the sample key gives the sample accept value', () => {
    expect(acceptFor(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
  });

  it('builds a valid request by default; fields can be replaced, dropped and appended', () => {
    expect(upgradeRequest()).toBe(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const request = upgradeRequest({ host: null, headers: { upgrade: 'WebSocket', 'Sec-WebSocket-Version': null }, appendHeaders: [['X-A', '1'], ['X-A', '2']] });
    expect(request).toBe(`GET / HTTP/1.1\r\nupgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${SAMPLE_KEY}\r\nX-A: 1\r\nX-A: 2\r\n\r\n`);
  });

  it('parses a response head strictly (RFC 9112 §4, §5)', () => {
    const head = parseResponseHead('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX: a\r\nx: b\r\n\r\n');
    expect('error' in head ? head.error : [head.status, head.reason, head.headers.get('x')]).toEqual([101, 'Switching Protocols', ['a', 'b']]);
    expect(parseResponseHead('HTTP/1.0 200 OK\r\n\r\n')).toHaveProperty('error');
    expect(parseResponseHead('HTTP/1.1 200 OK\r\nno colon\r\n\r\n')).toHaveProperty('error');
  });
});

describe('RFC 6455 §5.2, §5.3, §5.7: frames out and in', () => {
  it('encodes the §5.7 examples', () => {
    expect(hex(clientFrame({ opcode: 0x1, payload: 'Hello', mask: false }))).toBe('81 05 48 65 6c 6c 6f');
    expect(hex(clientFrame({ opcode: 0x1, payload: 'Hello', mask: KEY }))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(hex(clientFrame({ opcode: 0x2, payload: new Uint8Array(256), mask: false }), 4)).toMatch(/^82 7e 01 00 /);
  });

  for (const length of [0, 125, 126, 127, 65535, 65536, 70_000]) {
    it(`reads back a masked frame of ${length} bytes, whole, with trailing bytes, and not before it is whole`, () => {
      const payload = patternBytes(length, 3);
      const bytes = clientFrame({ opcode: 0x2, payload, mask: KEY });
      const whole = parseFrame(concatBytes(bytes, fromHex('81 85')));
      expect(whole.kind === 'frame' && [whole.size, hex(whole.frame.payload, 8), whole.frame.masked]).toEqual([bytes.length, hex(payload, 8), true]);
      for (const cut of [0, 1, 2, bytes.length - 1]) {
        expect(parseFrame(bytes.subarray(0, cut)).kind, `the first ${cut} of ${bytes.length} bytes`).toMatch(/^partial-/);
      }
    });
  }

  it('a forced 64-bit length and the lengths no reader can hold', () => {
    expect(hex(clientFrame({ opcode: 0x1, payload: 'Hi', mask: false, lengthBits: 64 }))).toBe('81 7f 00 00 00 00 00 00 00 02 48 69');
    expect(parseFrame(clientFrameHeader({ opcode: 0x2 }, 2n ** 63n + 5n)).kind).toBe('too-long');
  });

  it('knows what a server may not send (§5.1, §5.2)', () => {
    const read = (bytes: Uint8Array) => {
      const parse = parseFrame(bytes);
      if (parse.kind !== 'frame') throw new Error(parse.kind);
      return serverFrameViolation(parse.frame);
    };
    expect(read(fromHex('81 05 48 65 6c 6c 6f'))).toBeNull();
    expect(read(fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'))).toMatch(/masked/);
    expect(read(fromHex('c1 00'))).toMatch(/RSV/);
    expect(read(fromHex('83 00'))).toMatch(/reserved opcode 0x3/);
  });

  it('describes frames one per line, a partial one as such', () => {
    expect(describeFrames(concatBytes(fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58 88 02 03'), new Uint8Array(0)))).toBe(
      "81 85 37 fa 21 3d | FIN text len=5 masked key=37 fa 21 3d | 7f 9f 4d 51 58 (unmasked: 48 65 6c 6c 6f) 'Hello'\n" +
        '88 02 03 | partial frame: FIN close len=2 unmasked, 1 of 2 payload bytes received',
    );
  });
});

describe('bytes as text', () => {
  it('hex and fromHex are inverses; escaped shows CR, LF, UTF-8 and other bytes', () => {
    expect(hex(fromHex('81 05 48 65'))).toBe('81 05 48 65');
    expect(hex(new Uint8Array(70), 64)).toMatch(/… \(6 more bytes\)$/);
    expect(escaped(concatBytes(new TextEncoder().encode('GET / §\r\n'), Uint8Array.of(0xff, 0x5c)))).toBe('GET / §\\r\\n\\xff\\\\');
  });
});

describe('RawClient: bounded reads with a transcript', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  /** A server that writes `answer` to each connection, then ends it. */
  async function answering(answer: Uint8Array): Promise<number> {
    const server = net.createServer((socket) => socket.end(answer));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  it('reads a 101 and the frame behind it in the same segment, then null once TCP is closed', async () => {
    const head = new TextEncoder().encode(`HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n\r\n`);
    const client = await RawClient.connect(await answering(concatBytes(head, fromHex('81 02 68 69'))));
    try {
      expect((await client.readHttpResponse()).status).toBe(101);
      expect(new TextDecoder().decode((await client.readFrame()).payload)).toBe('hi');
      expect(await client.readFrameOrClose()).toBeNull();
      await expect(client.readFrame()).rejects.toThrow(/closed the TCP connection first; received after the last read: nothing more[\s\S]*received:[\s\S]*FIN text len=2/);
      expect(client.transcriptLines()).toEqual([
        `< HTTP/1.1 101 Switching Protocols … (${head.length} bytes of HTTP)`,
        '< 81 02 68 69',
        '< TCP closed',
      ]);
    } finally {
      client.destroy();
    }
  });

  it('a wait that times out says what it waited for and shows the transcript', async () => {
    const server = net.createServer(() => {});
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await RawClient.connect((server.address() as net.AddressInfo).port, { timeoutMs: 50 });
    try {
      await client.write('GET / HTTP/1.1\r\n\r\n');
      await expect(client.readHttpResponse()).rejects.toThrow(/waited 50 ms for an HTTP response head[\s\S]*sent:\n {2}GET \/ HTTP\/1\.1\\r\\n/);
    } finally {
      client.destroy();
    }
  });
});

describe('RawClient: a read fails as soon as the bytes contradict what it expects', () => {
  const servers: net.Server[] = [];
  const clients: RawClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    for (const server of servers.splice(0)) server.close();
  });

  /**
   * A server that writes `answer` to each connection and keeps it open (or ends it), and a client
   * with a 3 s timeout: every read below must fail with its reason long before that, so a message
   * that says "waited 3000 ms" means the read did not fail fast.
   */
  async function clientOf(answer: string, then: 'stay open' | 'end' = 'stay open'): Promise<RawClient> {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      if (then === 'end') socket.end(fromHex(answer));
      else socket.write(fromHex(answer));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await RawClient.connect((server.address() as net.AddressInfo).port, { timeoutMs: 3000 });
    clients.push(client);
    return client;
  }

  const TEXT_126 = { expected: 'a 126-byte text frame', opcodes: [0x1], payloadLength: 126 };

  const cases: [string, string, object, RegExp][] = [
    ['a 16-bit length written little-endian', '81 7e 7e 00 61 61', TEXT_126, /announces 32256 payload bytes, expected 126[\s\S]*two length bytes are swapped[\s\S]*network byte order, RFC 6455 §5\.2[\s\S]*the header: 81 7e 7e 00/],
    ['RSV1 set without an extension', 'c1 7e 00 7e', TEXT_126, /RSV bits without a negotiated extension \(RFC 6455 §5\.2\)/],
    ['a reserved opcode', '83 7e 00 7e', TEXT_126, /reserved opcode 0x3 \(RFC 6455 §5\.2\)/],
    ['a masked server frame', '81 fe 00 7e 37 fa 21 3d', TEXT_126, /masked frame \(RFC 6455 §5\.1/],
    ['a length that is not minimal', '82 7e 00 05 01', { expected: 'a binary frame', opcodes: [0x2] }, /16-bit extended length is 5[\s\S]*minimal encoding MUST be used/],
    ['a length larger than the answer can be', '82 7f 00 00 00 01 00 00 00 00', { expected: 'a binary frame of at most 1000 bytes', maxPayloadLength: 1000 }, /announces 4294967296 payload bytes, more than the 1000/],
    ['a header of another kind, its payload still to come', '88 7d 03 e8', TEXT_126, /expected a 126-byte text frame; the server's next frame cannot be it: its opcode is 0x8 \(close\), expected 0x1 \(text\)/],
    ['a whole frame of another kind', '81 02 68 69', { expected: 'a close frame', opcodes: [0x8] }, /its opcode is 0x1 \(text\), expected 0x8 \(close\)[\s\S]*received:\n {2}81 02 \| FIN text len=2 unmasked \| 68 69 'hi'/],
    ['FIN clear where the frame must be final', '01 02 68 69', { expected: 'a final text frame', fin: true }, /its FIN bit is 0, expected 1/],
  ];
  for (const [name, answer, expectation, reason] of cases) {
    it(`readFrame with an expectation: ${name} (${answer}) fails at once`, async () => {
      const client = await clientOf(answer);
      const error = await client.readFrame({ expect: expectation as typeof TEXT_126 }).catch((e: Error) => e);
      expect(error, 'readFrame resolved').toBeInstanceOf(Error);
      expect((error as Error).message, 'the failure must give the reason at once, not a timeout').not.toMatch(/waited 3000 ms/);
      expect((error as Error).message).toMatch(reason);
    });
  }

  it('readFrame: TCP closed inside a frame fails at once and shows the partial frame', async () => {
    const client = await clientOf('81 05 48 65', 'end');
    await expect(client.readFrame({ expect: { expected: "the text frame 'Hello'" } })).rejects.toThrow(
      /expected the text frame 'Hello', but the server closed the TCP connection first; received after the last read: 4 bytes that are not a whole frame:\n81 05 48 65 \| partial frame: FIN text len=5 unmasked, 2 of 5 payload bytes received/,
    );
  });

  it('expectClosed with `only`: a data frame instead of the close fails at once; allowed frames do not', async () => {
    const client = await clientOf('88 02 03 e8 81 02 68 69');
    const error = await client.expectClosed({ only: [0x8], expected: 'a close frame, then the TCP close' }).catch((e: Error) => e);
    expect((error as Error)?.message).toMatch(/expected a close frame, then the TCP close; the server sent a FIN text len=2 unmasked frame instead, and no frame but 0x8 \(close\) may come before the close[\s\S]*the header: 81 02/);
    const closing = await clientOf('88 02 03 e8', 'end');
    await closing.expectClosed({ only: [0x8] });
    expect(closing.unread.length).toBe(4);
  });

  it('expectClosed with `only`: an allowed opcode in a frame a server may not send still fails', async () => {
    const client = await clientOf('88 82 37 fa 21 3d 34 12');
    await expect(client.expectClosed({ only: [0x8] })).rejects.toThrow(/masked frame \(RFC 6455 §5\.1/);
  });

  it('silenceMs: a server that sends nothing fails the read after that silence, not at the timeout', async () => {
    const client = await clientOf('');
    const started = performance.now();
    const error = await client.readFrame({ silenceMs: 100, expect: { expected: 'an echo' } }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^nothing arrived for 100 ms while waiting for an echo \(waited \d+ ms in all\)/);
    // A lower bound only: load can stretch the wait, never shorten it below the silence.
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("a client's own silenceMs bounds its HTTP reads; a wait's silenceMs: Infinity turns it off", async () => {
    const server = net.createServer((socket) => socket.on('error', () => {}));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const prompt = await RawClient.connect(port, { timeoutMs: 3000, silenceMs: 100 });
    clients.push(prompt);
    const started = performance.now();
    const error = await prompt.readHttpResponse().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^nothing arrived for 100 ms while waiting for an HTTP response head/);
    expect(performance.now() - started).toBeLessThan(2500);
    const patient = await RawClient.connect(port, { timeoutMs: 3000, silenceMs: 100 });
    clients.push(patient);
    const late = await patient.readHttpResponse({ timeoutMs: 300, silenceMs: Infinity }).catch((e: Error) => e);
    expect((late as Error).message).toMatch(/^waited 300 ms for an HTTP response head/);
  });

  it('silenceMs: the clock restarts with every chunk, so an answer that keeps coming is not cut off', async () => {
    const frame = fromHex('82 0a 00 01 02 03 04 05 06 07 08 09');
    const server = net.createServer(async (socket) => {
      socket.on('error', () => {});
      socket.setNoDelay(true);
      for (const byte of frame) {
        if (socket.destroyed) return;
        socket.write(Uint8Array.of(byte));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await RawClient.connect((server.address() as net.AddressInfo).port);
    clients.push(client);
    const started = performance.now();
    // 12 bytes 40 ms apart take about 480 ms in all, more than the silence bound: only a clock
    // restarted by each byte lets the read finish.
    const read = await client.readFrame({ silenceMs: PROMPT_SILENCE_MS / 2, timeoutMs: 10_000, expect: { expected: 'a 10-byte binary frame', payloadLength: 10 } });
    expect(hex(read.payload)).toBe('00 01 02 03 04 05 06 07 08 09');
    expect(performance.now() - started).toBeGreaterThanOrEqual(PROMPT_SILENCE_MS / 2);
  });
});
