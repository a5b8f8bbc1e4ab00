/**
 * The fragment flood: one text message sent as `fragments` frames of one byte each, all in one
 * write, on one connection of a fresh server process. A server can refuse it (a fragment limit,
 * answered with a close frame) or assemble it and echo it back; either way the question is what it
 * cost: the server's resident memory is sampled every few milliseconds while it works, and the
 * peak growth is compared with the message's own size. Memory that grows by far more than the
 * payload (an object per fragment) lets one client exhaust the server with a message that never
 * reaches the message size limit.
 */
import { performance } from 'node:perf_hooks';
import { Opcode } from '../../core/frame.ts';
import { ReplyReader } from '../wire/load-client.ts';
import { openConnections, type Target } from './connect.ts';
import { fragmentFlood } from './payloads.ts';
import { memoryBytes } from './proc.ts';

export interface FloodSpec extends Target {
  readonly kind: 'flood';
  readonly fragments: number;
  /** How long to wait for the server's answer. */
  readonly timeoutMs: number;
}

/**
 * What the server did: sent a close frame (`closeCode` is its status code, 1005 when it had none),
 * echoed the whole message, dropped the connection without a close frame, or said nothing in time.
 */
export type FloodOutcome = 'closed' | 'echoed' | 'dropped' | 'silent';

export interface FloodResult {
  readonly kind: 'flood';
  readonly outcome: FloodOutcome;
  readonly closeCode: number | null;
  /** The message's size: one byte per fragment. */
  readonly payloadBytes: number;
  readonly rssBeforeBytes: number;
  /** The highest VmRSS sampled from the write until the answer. */
  readonly rssPeakBytes: number;
  /** From the write until the answer. */
  readonly answerMs: number;
}

const SAMPLE_EVERY_MS = 5;
/** RFC 6455 §7.4.1: a close frame without a status code is reported as 1005. */
const NO_STATUS_RECEIVED = 1005;

export async function runFlood(spec: FloodSpec): Promise<FloodResult> {
  const flood = fragmentFlood(spec.fragments);
  const [socket] = await openConnections(spec, 1);
  const rssBeforeBytes = memoryBytes(spec.serverPid, 'VmRSS');
  let rssPeakBytes = rssBeforeBytes;
  const sample = (): void => {
    try {
      rssPeakBytes = Math.max(rssPeakBytes, memoryBytes(spec.serverPid, 'VmRSS'));
    } catch {
      // The server exited: its last samples stand.
    }
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  const started = performance.now();
  try {
    const answer = await new Promise<{ outcome: FloodOutcome; closeCode: number | null }>((resolve) => {
      const timer = setTimeout(() => resolve({ outcome: 'silent', closeCode: null }), spec.timeoutMs);
      const settle = (outcome: FloodOutcome, closeCode: number | null = null): void => {
        clearTimeout(timer);
        resolve({ outcome, closeCode });
      };
      let echoed = 0;
      const reader = new ReplyReader((opcode, length, payload) => {
        if (opcode === Opcode.Close) {
          settle('closed', payload !== null && payload.length >= 2 ? payload.readUInt16BE(0) : NO_STATUS_RECEIVED);
          return;
        }
        echoed += length;
        if (echoed >= spec.fragments) settle('echoed');
      });
      // Captured for the close frame's status code; an echoed message is one MB at most here.
      reader.capture = true;
      socket!.on('data', (chunk: Buffer) => reader.feed(chunk));
      socket!.on('close', () => settle('dropped'));
      socket!.write(flood);
    });
    sample();
    return {
      kind: 'flood',
      ...answer,
      payloadBytes: spec.fragments,
      rssBeforeBytes,
      rssPeakBytes,
      answerMs: performance.now() - started,
    };
  } finally {
    clearInterval(sampler);
    socket!.destroy();
  }
}
