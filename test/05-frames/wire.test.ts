/**
 * Chapter 05 on the wire: the server (echo app) built so far reads client frames and writes its own.
 * Raw TCP, so a failure shows every byte that went each way.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/wiring/server.ts';
import type { FrameRead } from '../../tools/wire/index.ts';
import {
  PROMPT_SILENCE_MS,
  RawClient,
  clientFrame,
  concatBytes,
  differenceText,
  hex,
  openWebSocket,
  patternBytes,
  upgradeRequest,
} from '../../tools/wire/index.ts';
import { closeTestServers, startTestServer } from '../helpers/server.ts';

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

let server: RunningServer;
const clients: RawClient[] = [];

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await closeTestServers();
});

async function open(): Promise<RawClient> {
  const client = await openWebSocket(server.port);
  clients.push(client);
  return client;
}

/** The minimal header of an unmasked server frame, as §5.2 requires it. */
function minimalHeader(opcode: number, length: number): string {
  if (length <= 125) return hex(Uint8Array.of(0x80 | opcode, length));
  if (length <= 0xffff) return hex(Uint8Array.of(0x80 | opcode, 126, length >> 8, length & 0xff));
  const header = new Uint8Array(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  new DataView(header.buffer).setUint32(6, length);
  return hex(header);
}

/** A string of `length` ASCII characters (valid UTF-8 whatever chapter 07 does). */
function asciiText(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(0x61 + (i % 26));
  return s;
}

async function expectEcho(client: RawClient, opcode: number, payload: Uint8Array, what: string): Promise<void> {
  const expectation = `expected: the ${what} echoed in one unmasked frame`;
  // The echo is due at once: the read fails as soon as the header shows another opcode or length,
  // or when nothing comes for a while (a server that misread a length waits for bytes that never come).
  const frame = await client.readFrame({
    timeoutMs: 5000,
    silenceMs: PROMPT_SILENCE_MS,
    expect: {
      expected: `the ${what} echoed in one unmasked frame: header ${minimalHeader(opcode, payload.length)} (RFC 6455 §5.2, §5.6)`,
      opcodes: [opcode],
      payloadLength: payload.length,
    },
  });
  if (frame.opcode !== opcode || !frame.fin) {
    client.fail(`${expectation} (opcode 0x${opcode.toString(16)}, FIN), got opcode 0x${frame.opcode.toString(16)} fin=${frame.fin}`);
  }
  if (frame.masked) client.fail(`${expectation}: a server must not mask its frames (RFC 6455 §5.1)`);
  if (hex(frame.header) !== minimalHeader(opcode, payload.length)) {
    client.fail(
      `${expectation}: header ${hex(frame.header)}, expected ${minimalHeader(opcode, payload.length)}: ` +
        'the length in its minimal encoding (RFC 6455 §5.2)',
    );
  }
  const difference = differenceText(frame.payload, payload);
  if (difference !== 'identical') client.fail(`${expectation}: the payload ${difference}`);
}

describe('RFC 6455 §5.2, §5.6: the server echoes single-frame messages', () => {
  for (const length of [0, 125, 126, 127, 65535, 65536]) {
    it(`a text message of ${length} bytes`, async () => {
      const client = await open();
      const payload = new TextEncoder().encode(asciiText(length));
      await client.write(clientFrame({ opcode: TEXT, payload }));
      await expectEcho(client, TEXT, payload, `${length}-byte text message`);
    });

    it(`a binary message of ${length} bytes`, async () => {
      const client = await open();
      const payload = patternBytes(length, length);
      await client.write(clientFrame({ opcode: BINARY, payload }));
      await expectEcho(client, BINARY, payload, `${length}-byte binary message`);
    });
  }

  it('a binary message of 1 MiB', async () => {
    const client = await open();
    const payload = patternBytes(1 << 20, 1);
    await client.write(clientFrame({ opcode: BINARY, payload }));
    await expectEcho(client, BINARY, payload, '1 MiB binary message');
  });

  it('a frame that came in the same TCP write as the upgrade request', async () => {
    const client = await RawClient.connect(server.port);
    clients.push(client);
    const payload = new TextEncoder().encode('right behind the handshake');
    await client.write(concatBytes(new TextEncoder().encode(upgradeRequest()), clientFrame({ opcode: TEXT, payload })));
    const response = await client.readHttpResponse();
    if (response.status !== 101) client.fail(`expected 101 Switching Protocols, got ${response.status} (RFC 6455 §4.2.2)`);
    await expectEcho(
      client,
      TEXT,
      payload,
      'text message sent right after the request head (the bytes after \\r\\n\\r\\n are the first frame, one byte queue for both)',
    );
  });

  it('many frames in one write, answered in order', async () => {
    const client = await open();
    const payloads = Array.from({ length: 20 }, (_, i) => patternBytes(i * 13, i));
    await client.write(concatBytes(...payloads.map((payload) => clientFrame({ opcode: BINARY, payload }))));
    for (const [i, payload] of payloads.entries()) {
      await expectEcho(client, BINARY, payload, `message ${i + 1} of 20 (all sent in one write)`);
    }
  });

  it('a frame written one byte at a time', async () => {
    const client = await open();
    const payload = new TextEncoder().encode(asciiText(130));
    for (const byte of clientFrame({ opcode: TEXT, payload })) await client.write(Uint8Array.of(byte));
    await expectEcho(client, TEXT, payload, '130-byte text message written one byte per TCP write');
  });

  it('a ping of 125 bytes written one byte at a time', async () => {
    const client = await open();
    const payload = patternBytes(125, 3);
    for (const byte of clientFrame({ opcode: PING, payload })) await client.write(Uint8Array.of(byte));
    await expectEcho(client, PONG, payload, 'a pong with the 125 bytes of a ping written one byte per TCP write: a control frame is answered once all of it has come (RFC 6455 §5.5.2)');
  });
});

describe('RFC 6455 §5.5.2: a ping is answered with a pong', () => {
  for (const length of [0, 5, 125]) {
    it(`a ping with ${length} bytes of payload gets a pong with the same payload`, async () => {
      const client = await open();
      const payload = patternBytes(length, 7);
      await client.write(clientFrame({ opcode: PING, payload }));
      await expectEcho(client, PONG, payload, `ping's payload (${length} bytes) in a pong (RFC 6455 §5.5.2)`);
    });
  }

  it('a ping between two messages is answered between their echoes', async () => {
    const client = await open();
    await client.write(
      concatBytes(
        clientFrame({ opcode: TEXT, payload: 'one' }),
        clientFrame({ opcode: PING, payload: 'are you there' }),
        clientFrame({ opcode: TEXT, payload: 'two' }),
      ),
    );
    const enc = (s: string) => new TextEncoder().encode(s);
    await expectEcho(client, TEXT, enc('one'), 'first message');
    await expectEcho(client, PONG, enc('are you there'), "ping's payload in a pong (RFC 6455 §5.5.2)");
    await expectEcho(client, TEXT, enc('two'), 'second message');
  });
});

describe('RFC 6455 §5.1: an unmasked frame from a client fails the connection', () => {
  it('after a masked frame that is echoed, an unmasked one is not; the server fails the connection (close frame 1002 once chapter 06 is done) and closes TCP', async () => {
    const client = await open();
    // First a masked frame, which is echoed: the connection works until the unmasked one.
    await client.write(clientFrame({ opcode: TEXT, payload: 'masked' }));
    await expectEcho(client, TEXT, new TextEncoder().encode('masked'), 'masked text message sent first');
    await client.write(clientFrame({ opcode: TEXT, payload: 'Hello', mask: false }));
    await client.expectClosed({
      silenceMs: PROMPT_SILENCE_MS,
      only: [CLOSE],
      expected: 'no echo, at most a close frame (1002), then the TCP close: the server must fail the connection on an unmasked client frame (RFC 6455 §5.1, §7.1.7)',
    });
    const frames: FrameRead[] = [];
    while (client.unread.length > 0) frames.push(await client.readFrame());
    for (const frame of frames) {
      if (frame.opcode !== CLOSE) {
        client.fail(
          'expected no answer but a close frame (1002) and the TCP close: a server must fail the connection ' +
            'on an unmasked client frame (RFC 6455 §5.1, §7.1.7)',
        );
      }
      if (frame.closeCode !== 1002) {
        client.fail(`expected close code 1002 (protocol error), got ${frame.closeCode ?? 'none'} (RFC 6455 §5.1, §7.4.1)`);
      }
    }
    expect(frames.length, client.transcript()).toBeLessThanOrEqual(1);
  });
});
