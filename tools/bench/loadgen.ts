/**
 * The load generator: its own process (started by the runner), so it never shares a JavaScript
 * thread with the server it measures. It receives one scenario at a time over IPC and answers with
 * what it counted. It reads the server's CPU time and memory from /proc itself (proc.ts), at the
 * very moments its measurement starts and ends.
 *
 * Three kinds of scenario:
 * - traffic: `connections` WebSocket connections, each keeping a window of `window` messages in
 *   flight. It sends the whole window at once, then, after every chunk the server sends, as many
 *   new messages as replies that chunk completed, in one write. Messages are pre-built masked frames
 *   (payloads.ts); replies are counted from their headers. After a warm-up (so the JIT has compiled
 *   the server's hot paths) the counters and the server's CPU time are read at the start and at the
 *   end of the measured interval. A `background` connection can send huge messages beside them,
 *   uncounted, to show how long the others wait;
 * - idle: the server's resident memory before and after opening `connections` connections that
 *   then send nothing;
 * - with `deflate`, either kind negotiates permessage-deflate and sends compressed frames
 *   (deflate-load.ts); a traffic scenario then requires RSV1 on every reply, and an idle one has
 *   every connection echo one compressed message first, so that its zlib state exists;
 * - flood: one message in many one-byte fragments (flood.ts).
 */
import type net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Opcode } from '../../core/frame.ts';
import { ReplyReader, repeated } from '../wire/load-client.ts';
import { openConnections, type Target } from './connect.ts';
import { DEFLATE_OFFER, compressedMessage, inflateReply, jsonMessages, jsonText, plainMessage } from './deflate-load.ts';
import { runFlood, type FloodResult, type FloodSpec } from './flood.ts';
import { messagesFor, type Content, type Message } from './payloads.ts';
import { cpuTimeMs, memoryBytes, openFileLimit } from './proc.ts';
import { collectGarbage } from './pressure.ts';

export interface TrafficSpec extends Target {
  readonly kind: 'traffic';
  readonly connections: number;
  /** Messages in flight per connection. */
  readonly window: number;
  /** `json`: one JSON text message of about `size` bytes (deflate-load.ts). */
  readonly content: Content | 'json';
  /** Payload size in bytes; with `randomSizes`, the largest of sizes spread over 0…size. */
  readonly size: number;
  readonly randomSizes: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Record every round trip (window 1 gives true request/response latency). */
  readonly latency: boolean;
  /** Check that one message comes back byte for byte before measuring (off for the ceiling). */
  readonly verifyEcho: boolean;
  /**
   * One more connection that sends these messages one at a time all along, uncounted: what the
   * measured connections wait while the server works on a huge message.
   */
  readonly background?: { readonly content: Content; readonly size: number };
  /** Negotiate permessage-deflate and send every message compressed (RFC 7692). */
  readonly deflate?: boolean;
}

export interface IdleSpec extends Target {
  readonly kind: 'idle';
  readonly connections: number;
  /** How long the connections stay open and silent before the server's memory is read. */
  readonly settleMs: number;
  /** Negotiate permessage-deflate, and echo one compressed JSON message of about this size on each. */
  readonly deflate?: { readonly messageSize: number };
}

export type ScenarioSpec = TrafficSpec | IdleSpec | FloodSpec;

export interface TrafficResult {
  readonly kind: 'traffic';
  readonly messages: number;
  readonly payloadBytes: number;
  readonly elapsedMs: number;
  /** The server's CPU time (user + system) during the measured interval. */
  readonly serverCpuMs: number;
  /** Round-trip percentiles and the longest round trip, in microseconds (latency scenarios). */
  readonly p50Us?: number;
  readonly p99Us?: number;
  readonly maxUs?: number;
  /** With `deflate`: the measured replies that had RSV1 set (every one, or the run fails). */
  readonly compressedReplies?: number;
}

export interface IdleResult {
  readonly kind: 'idle';
  readonly connections: number;
  /** The server's VmRSS before the connections were opened, and once they had been idle a while. */
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly connectMs: number;
}

export type ScenarioResult = TrafficResult | IdleResult | FloodResult;

/** The fewest replies a measurement counts, however long they take (up to MAX_WAIT_MS). */
const MIN_MEASURED_REPLIES = 8;
/** How long a warm-up or a measurement may stretch to reach its replies. */
const MAX_WAIT_MS = 20_000;
/**
 * Handshakes done (and closed) before an idle measurement, so that what a server pays once is not
 * counted per connection: code compiled once, and V8's young generation, which grows while the
 * first few hundred connections' objects survive collections. With 50, the reference's young
 * generation was still growing during the measured connections (chapter 11 has the figures).
 */
const IDLE_WARMUP_CONNECTIONS = 200;
/**
 * With compression, how many of them echo one compressed message first: enough for the code of
 * compression to be compiled, few enough that the zlib memory they free (up to 250 kB each) is
 * not what the measured connections then reuse.
 */
export const IDLE_WARMUP_ECHOES = 50;
/** Descriptors a process needs beside its sockets (stdio, IPC, the event loop's own). */
const SPARE_FILE_DESCRIPTORS = 64;

/**
 * The last scenario's messages (its measured and its background ones): the servers take turns on
 * each scenario, so the same are asked for again, and a 32 MiB text takes a while to build.
 */
const recentMessages = new Map<string, Message[]>();
const RECENT_MESSAGE_SETS = 2;

function cachedMessages(content: Content, size: number, randomSizes: boolean): Message[] {
  const key = `${content}/${size}/${randomSizes}`;
  let messages = recentMessages.get(key);
  if (messages === undefined) {
    messages = messagesFor(content, size, randomSizes);
    recentMessages.set(key, messages);
    // A Map iterates in insertion order: its first key is the oldest.
    if (recentMessages.size > RECENT_MESSAGE_SETS) recentMessages.delete(recentMessages.keys().next().value!);
  }
  return messages;
}

/** A traffic scenario's messages, compressed once each with `deflate`. */
async function messagesOf(spec: TrafficSpec): Promise<Message[]> {
  const plain = spec.content === 'json' ? jsonMessages(spec.size) : cachedMessages(spec.content, spec.size, spec.randomSizes);
  return spec.deflate ? Promise.all(plain.map(compressedMessage)) : plain;
}

export async function runTraffic(spec: TrafficSpec): Promise<TrafficResult> {
  const messages = await messagesOf(spec);
  const deflate = spec.deflate ?? false;
  // One small message: a window goes out as one slice of this buffer. Others go out one by one.
  const only = messages.length === 1 ? messages[0]! : null;
  const batch = only !== null && only.frame.length <= 4096 ? repeated(only.frame, spec.window) : null;
  const sockets = await openConnections(spec, spec.connections, deflate ? DEFLATE_OFFER : undefined);
  try {
    if (spec.verifyEcho) await verifyEcho(sockets[0]!, messages[messages.length >> 1]!, deflate);

    let replies = 0;
    let compressedReplies = 0;
    let payloadBytes = 0;
    let running = true;
    let failure: Error | null = null;
    const latencies: number[] = [];
    let recording = false;

    sockets.forEach((socket, index) => {
      const sentAt: number[] = [];
      let owed = 0;
      // Each connection starts at its own place in the messages, so their sizes mix at any moment.
      let next = index % messages.length;
      const reader = new ReplyReader((replyOpcode, length, _payload, rsv1) => {
        if (replyOpcode === Opcode.Close) {
          failure ??= new Error('the server sent a close frame during the measurement');
          return;
        }
        // RFC 7692 §6: RSV1 marks a compressed message; with a threshold of 0 every reply is one.
        if (rsv1) compressedReplies++;
        else if (deflate) failure ??= new Error('the server sent a reply uncompressed (no RSV1)');
        replies++;
        payloadBytes += length;
        owed++;
        if (spec.latency) {
          const sent = sentAt.shift();
          if (recording && sent !== undefined) latencies.push(performance.now() - sent);
        }
      });
      const send = (count: number): void => {
        if (spec.latency) for (let i = 0; i < count; i++) sentAt.push(performance.now());
        if (batch !== null) return void socket.write(batch.subarray(0, count * only!.frame.length));
        socket.cork();
        for (let i = 0; i < count; i++) {
          socket.write(messages[next]!.frame);
          next = (next + 1) % messages.length;
        }
        socket.uncork();
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
    });
    if (spec.background !== undefined) {
      const [message] = cachedMessages(spec.background.content, spec.background.size, false);
      const [socket] = await openConnections(spec, 1);
      sockets.push(socket!);
      const reader = new ReplyReader((replyOpcode) => {
        if (replyOpcode === Opcode.Close) failure ??= new Error('the server closed the background connection');
        else if (running) socket!.write(message!.frame);
      });
      socket!.on('data', (chunk: Buffer) => reader.feed(chunk));
      socket!.write(message!.frame);
    }

    // Large messages take long: the warm-up lasts until every connection has had a reply, and the
    // measurement until it holds a few replies, so that neither is a fraction of one message.
    await waitFor(spec.warmupMs, () => replies >= spec.connections || failure !== null);
    const first = { replies, compressedReplies, payloadBytes, at: performance.now(), cpuMs: cpuTimeMs(spec.serverPid) };
    recording = true;
    await waitFor(spec.durationMs, () => replies - first.replies >= MIN_MEASURED_REPLIES || failure !== null);
    const last = { replies, compressedReplies, payloadBytes, at: performance.now(), cpuMs: cpuTimeMs(spec.serverPid) };
    running = false;
    if (failure !== null) throw failure;
    if (last.replies === first.replies) throw new Error(`no reply at all in ${Math.round(last.at - first.at)} ms`);

    const result: TrafficResult = {
      kind: 'traffic',
      messages: last.replies - first.replies,
      payloadBytes: last.payloadBytes - first.payloadBytes,
      elapsedMs: last.at - first.at,
      serverCpuMs: last.cpuMs - first.cpuMs,
      ...(deflate ? { compressedReplies: last.compressedReplies - first.compressedReplies } : {}),
    };
    if (!spec.latency) return result;
    latencies.sort((a, b) => a - b);
    const [p50Us, p99Us, maxUs] = [0.5, 0.99, 1].map((p) => percentile(latencies, p) * 1000);
    return { ...result, p50Us, p99Us, maxUs };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

export async function runIdle(spec: IdleSpec): Promise<IdleResult> {
  checkFileLimit('the load generator', openFileLimit(), spec.connections);
  checkFileLimit('the server', openFileLimit(spec.serverPid), spec.connections);
  const offer = spec.deflate === undefined ? undefined : DEFLATE_OFFER;
  const message = spec.deflate === undefined ? null : await compressedMessage(plainMessage(jsonText(spec.deflate.messageSize)));
  const warmup = await openConnections(spec, IDLE_WARMUP_CONNECTIONS, offer);
  if (message !== null) await echoOnce(warmup.slice(0, IDLE_WARMUP_ECHOES), message);
  for (const socket of warmup) socket.destroy();
  await sleep(300);
  const rssBeforeBytes = memoryBytes(spec.serverPid, 'VmRSS');
  const started = performance.now();
  const sockets = await openConnections(spec, spec.connections, offer);
  const connectMs = performance.now() - started;
  try {
    if (message !== null) await echoOnce(sockets, message);
    let closed = 0;
    for (const socket of sockets) socket.on('close', () => closed++);
    await sleep(spec.settleMs);
    const rssAfterBytes = memoryBytes(spec.serverPid, 'VmRSS');
    if (closed > 0) throw new Error(`the server closed ${closed} idle connection(s)`);
    return { kind: 'idle', connections: spec.connections, rssBeforeBytes, rssAfterBytes, connectMs };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** Throws unless `who` may open enough files (ulimit -n) for `connections` sockets. */
export function checkFileLimit(who: string, limit: number, connections: number): void {
  if (limit >= connections + SPARE_FILE_DESCRIPTORS) return;
  throw new Error(`${who} may open ${limit} files (ulimit -n), too few for ${connections} connections`);
}

/**
 * Sends `message` on every socket and waits for one reply on each: the compressed idle scenario's
 * first message, after which each connection holds what its zlib state costs.
 */
async function echoOnce(sockets: readonly net.Socket[], message: Message): Promise<void> {
  let answered = 0;
  const listeners = sockets.map((socket) => {
    let replied = false;
    const reader = new ReplyReader(() => {
      if (!replied) answered++;
      replied = true;
    });
    const onData = (chunk: Buffer): void => reader.feed(chunk);
    socket.on('data', onData);
    socket.write(message.frame);
    return () => socket.off('data', onData);
  });
  await waitFor(0, () => answered === sockets.length);
  for (const remove of listeners) remove();
  if (answered < sockets.length) throw new Error(`${sockets.length - answered} of ${sockets.length} connections had no echo`);
}

/**
 * Sends one message and checks it comes back unchanged (a broken echo would make the numbers lie);
 * with `deflate`, that the echo is compressed (RSV1) and inflates to the text sent.
 */
function verifyEcho(socket: net.Socket, message: Message, deflate: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no echo within 5 s')), 5000);
    const reader = new ReplyReader((replyOpcode, _length, echoed, rsv1) => {
      if (replyOpcode !== message.opcode) return done(new Error(`the echo came back with opcode ${replyOpcode}`));
      if (rsv1 !== deflate) return done(new Error(deflate ? 'the echo came back uncompressed (no RSV1)' : 'the echo came back with RSV1 set'));
      const data = deflate && echoed !== null ? inflateReply(echoed) : Promise.resolve(echoed);
      data.then(
        (text) => done(text !== null && Buffer.from(text).equals(message.payload) ? null : new Error('the echo differs from the message sent')),
        (error: Error) => done(new Error(`the echo does not inflate: ${error.message}`)),
      );
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
    socket.write(message.frame);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Waits `ms`, then on until `done()` holds, checking every few milliseconds, for MAX_WAIT_MS at most. */
async function waitFor(ms: number, done: () => boolean): Promise<void> {
  const deadline = performance.now() + MAX_WAIT_MS;
  await sleep(ms);
  while (!done() && performance.now() < deadline) await sleep(10);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  switch (spec.kind) {
    case 'traffic':
      return runTraffic(spec);
    case 'idle':
      return runIdle(spec);
    case 'flood':
      return runFlood(spec);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown scenario ${JSON.stringify(unknown)}`);
    }
  }
}

// Started by the runner (not imported): answer every scenario it sends.
const started = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (started && process.send !== undefined) {
  process.on('message', (message: { id: number; spec: ScenarioSpec }) => {
    // What the last scenario left (its messages, its sockets, a long list of round trips) is
    // collected now, not by a pause of this process in the middle of the next measurement, where
    // it would show as the server's latency.
    collectGarbage();
    runScenario(message.spec).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
