/**
 * RFC 6455 §5.3 on the wire, as a property: whatever `WebSocketClient` is asked to send, every frame
 * it writes is masked, with a masking key of its own, and unmasks to exactly what was sent.
 *
 * The layer test (14-client.test.ts) checks `encodeClientFrame` as a function; this one checks the
 * client as a whole, so a connection that bypasses the layer, reuses a key or masks the caller's
 * buffer in place is caught too. The server here is raw node:net and reads the frames with the
 * test toolkit's own decoder (tools/wire), never with the code under test.
 */
import fc from 'fast-check';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Opcode } from '../../core/frame.ts';
import { WebSocketClient } from '../../server/app/client.ts';
import { concatBytes, patternBytes } from '../../tools/wire/bytes.ts';
import { hex } from '../../tools/wire/dump.ts';
import { parseFrame, type FrameRead } from '../../tools/wire/frame-decoder.ts';
import { acceptFor, findHeadEnd } from '../../tools/wire/handshake.ts';
import { afterThisTest } from '../interop/servers.ts';

/** A server that accepts one handshake and records every frame the client sends after it. */
interface RecordingServer {
  readonly url: string;
  /** Resolves once `count` frames have arrived, with all frames so far. */
  frames(count: number): Promise<FrameRead[]>;
}

async function recordingServer(): Promise<RecordingServer> {
  const received: FrameRead[] = [];
  let wanted: { count: number; resolve: (frames: FrameRead[]) => void } | null = null;
  const settle = (): void => {
    if (wanted !== null && received.length >= wanted.count) wanted.resolve([...received]);
  };
  const server = net.createServer((socket) => {
    let bytes: Uint8Array = new Uint8Array(0);
    let open = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      bytes = concatBytes(bytes, chunk);
      if (!open) {
        const end = findHeadEnd(bytes);
        if (end < 0) return;
        const key = /^sec-websocket-key:\s*(\S+)/im.exec(Buffer.from(bytes.subarray(0, end)).toString('latin1'))?.[1] ?? '';
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
        bytes = bytes.subarray(end);
        open = true;
      }
      for (let parse = parseFrame(bytes); parse.kind === 'frame'; parse = parseFrame(bytes)) {
        received.push(parse.frame);
        bytes = bytes.subarray(parse.size);
      }
      settle();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterThisTest(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    frames: (count) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server got ${received.length} of ${count} frames within 5 s`)), 5000);
        wanted = { count, resolve: (frames) => (clearTimeout(timer), resolve(frames)) };
        settle();
      }),
  };
}

/** Messages to send: short text, short binary, and binary across the 16- and 64-bit lengths (§5.2). */
const message = fc.oneof(
  fc.string({ maxLength: 200, unit: 'grapheme' }),
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.integer({ min: 65_530, max: 66_000 }), fc.nat(255)).map(([length, seed]) => patternBytes(length, seed)),
);

const asBytes = (data: string | Uint8Array): Uint8Array => (typeof data === 'string' ? new TextEncoder().encode(data) : data);

describe('RFC 6455 §5.3: every frame the client sends is masked with a fresh key', () => {
  it('for any messages: masked, one key per frame, unmasking to what was sent (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (messages) => {
        const server = await recordingServer();
        const client = await WebSocketClient.connect(server.url, [], { handshakeTimeout: 5000, closeTimeout: 500 });
        afterThisTest(() => client.terminate());
        const copies = messages.map((data) => (typeof data === 'string' ? data : Uint8Array.from(data)));
        for (const data of messages) client.send(data);
        client.ping('p');
        const frames = await server.frames(messages.length + 1);

        const shown = frames.map((frame) => `${frame.opcode}:${frame.maskingKey === null ? 'unmasked' : hex(frame.maskingKey)}`).join(' ');
        expect(frames.every((frame) => frame.masked && frame.maskingKey !== null), `a frame was not masked: ${shown}`).toBe(true);
        expect(new Set(frames.map((frame) => hex(frame.maskingKey!))).size, `a masking key came twice: ${shown}`).toBe(frames.length);
        // One frame per message here (nothing is fragmented), then the ping.
        frames.slice(0, messages.length).forEach((frame, index) => {
          const sent = copies[index]!;
          expect(frame.opcode, `frame ${index}`).toBe(typeof sent === 'string' ? Opcode.Text : Opcode.Binary);
          expect(Buffer.from(frame.payload).equals(Buffer.from(asBytes(sent))), `frame ${index} unmasks to other bytes than were sent`).toBe(true);
          expect(Buffer.from(asBytes(messages[index]!)).equals(Buffer.from(asBytes(sent))), `send() changed the caller's bytes of message ${index}`).toBe(true);
        });
        expect(frames[messages.length]).toMatchObject({ opcode: Opcode.Ping, fin: true });
        client.terminate();
      }),
      { numRuns: 12 },
    );
  }, 60_000);
});
