/**
 * The load generator: its own process (forked by the runner), so it never shares a JavaScript
 * thread with the server it measures. It receives one scenario at a time over IPC and answers with
 * what it counted.
 *
 * A scenario opens `connections` WebSocket connections and drives traffic on `active` of them. Each
 * active connection keeps a window of `window` messages in flight: it sends the whole window at
 * once, then, after every chunk the server sends, as many new messages as replies that chunk
 * completed, in one write. Messages are pre-built masked frames; replies are counted from their
 * headers. After a warm-up (so the JIT has compiled the server's hot paths) the counters are read at
 * the start and at the end of the measured interval.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Opcode } from '../../core/frame.ts';
import { clientFrame } from '../wire/frame-encoder.ts';
import { ReplyReader, connectWebSocket, repeated } from '../wire/load-client.ts';

export interface ScenarioSpec {
  readonly port: number;
  readonly path: string;
  /** Connections opened; the first `active` ones carry traffic, the rest stay idle and open. */
  readonly connections: number;
  readonly active: number;
  /** Messages in flight per active connection. */
  readonly window: number;
  /** Payload size in bytes; text (ASCII) when `text`, else binary. */
  readonly size: number;
  readonly text: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Record every round trip (window 1 gives true request/response latency). */
  readonly latency: boolean;
  /** Check that one message comes back byte for byte before measuring (off for the ceiling). */
  readonly verifyEcho: boolean;
}

export interface ScenarioResult {
  readonly messages: number;
  readonly payloadBytes: number;
  readonly elapsedMs: number;
  /** Time to open every connection (handshakes, 100 at a time). */
  readonly connectMs: number;
  /** Round-trip percentiles in microseconds (latency scenarios). */
  readonly p50Us?: number;
  readonly p99Us?: number;
}

const CONNECT_CONCURRENCY = 100;

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const payload = new Uint8Array(spec.size);
  for (let i = 0; i < payload.length; i++) payload[i] = spec.text ? 97 + (i % 26) : (i * 31) & 0xff;
  const opcode = spec.text ? Opcode.Text : Opcode.Binary;
  // Masked once, with one random key, before the measurement (RFC 6455 §5.3).
  const frame = clientFrame({ opcode, payload });
  // Small frames: a window goes out as one slice of this buffer. Large ones are written one by one.
  const batch = frame.length <= 4096 ? repeated(frame, spec.window) : null;

  const started = performance.now();
  const sockets: net.Socket[] = [];
  const opened: Array<{ socket: net.Socket; rest: Buffer }> = [];
  let failure: Error | null = null;
  try {
    for (let next = 0; next < spec.connections; next += CONNECT_CONCURRENCY) {
      const count = Math.min(CONNECT_CONCURRENCY, spec.connections - next);
      const group = await Promise.all(Array.from({ length: count }, () => connectWebSocket(spec.port, spec.path)));
      for (const connection of group) {
        sockets.push(connection.socket);
        opened.push(connection);
        connection.socket.on('error', () => {});
      }
    }
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    throw error;
  }
  const connectMs = performance.now() - started;

  try {
    if (spec.verifyEcho) await verifyEcho(opened[0]!.socket, opcode, payload, frame);

    let messages = 0;
    let payloadBytes = 0;
    let running = true;
    const latencies: number[] = [];
    let recording = false;

    for (const { socket } of opened.slice(0, spec.active)) {
      const sentAt: number[] = [];
      let owed = 0;
      const reader = new ReplyReader((replyOpcode, length) => {
        if (replyOpcode === Opcode.Close) {
          failure ??= new Error('the server sent a close frame during the measurement');
          return;
        }
        messages++;
        payloadBytes += length;
        owed++;
        if (spec.latency) {
          const sent = sentAt.shift();
          if (recording && sent !== undefined) latencies.push(performance.now() - sent);
        }
      });
      const send = (count: number): void => {
        if (spec.latency) for (let i = 0; i < count; i++) sentAt.push(performance.now());
        if (batch !== null) socket.write(batch.subarray(0, count * frame.length));
        else for (let i = 0; i < count; i++) socket.write(frame);
      };
      socket.on('data', (chunk: Buffer) => {
        reader.feed(chunk);
        if (running && owed > 0) {
          const count = owed;
          owed = 0;
          send(count);
        }
      });
      socket.on('close', () => {
        if (running) failure ??= new Error('the server closed a connection during the measurement');
      });
      send(spec.window);
    }

    await sleep(spec.warmupMs);
    const first = { messages, payloadBytes, at: performance.now() };
    recording = true;
    await sleep(spec.durationMs);
    const last = { messages, payloadBytes, at: performance.now() };
    running = false;
    if (failure !== null) throw failure;
    if (last.messages === first.messages) throw new Error('no reply at all during the measurement');

    const result: ScenarioResult = {
      messages: last.messages - first.messages,
      payloadBytes: last.payloadBytes - first.payloadBytes,
      elapsedMs: last.at - first.at,
      connectMs,
    };
    if (!spec.latency) return result;
    latencies.sort((a, b) => a - b);
    return { ...result, p50Us: percentile(latencies, 0.5) * 1000, p99Us: percentile(latencies, 0.99) * 1000 };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** Sends one message and checks it comes back unchanged (a broken echo would make the numbers lie). */
function verifyEcho(socket: net.Socket, opcode: number, payload: Uint8Array, frame: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no echo within 5 s')), 5000);
    const reader = new ReplyReader((replyOpcode, _length, echoed) => {
      if (replyOpcode !== opcode) return done(new Error(`the echo came back with opcode ${replyOpcode}`));
      if (echoed === null || !echoed.equals(payload)) return done(new Error('the echo differs from the message sent'));
      done(null);
    });
    reader.capture = true;
    const onData = (chunk: Buffer): void => reader.feed(chunk);
    const done = (error: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      if (error === null) resolve();
      else reject(error);
    };
    socket.on('data', onData);
    socket.write(frame);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Forked by the runner: answer every scenario it sends.
if (process.send !== undefined) {
  process.on('message', (message: { id: number; spec: ScenarioSpec }) => {
    runScenario(message.spec).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
