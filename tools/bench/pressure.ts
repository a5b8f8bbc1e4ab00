/**
 * What chapter 09's tests and its measurement (tools/bench/backpressure.ts) share: a slow
 * application that holds each message for `ms` milliseconds, as a database write would, counting
 * what it holds; and a garbage collection on demand, so memory figures count what is really kept.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { ConnectionEvent } from '../../server/wiring/connection.ts';

export interface SlowApplication {
  /** The app's handler for one connection's events: a promise per message, settled `ms` later. */
  readonly handle: (event: ConnectionEvent) => Promise<void> | undefined;
  /** Bytes of messages taken and not yet finished. */
  readonly pending: () => number;
  /** The most that were ever pending at once. */
  readonly peakPending: () => number;
  /** How many messages are finished. */
  readonly done: () => number;
}

export function slowApplication(ms: number): SlowApplication {
  let pending = 0;
  let peak = 0;
  let done = 0;
  return {
    handle(event) {
      if (event.type !== 'message') return undefined;
      const length = (event.message.data as Uint8Array).length;
      pending += length;
      peak = Math.max(peak, pending);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          pending -= length;
          done++;
          resolve();
        }, ms),
      );
    },
    pending: () => pending,
    peakPending: () => peak,
    done: () => done,
  };
}

/** A full garbage collection, now (synchronous). */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Collects garbage twice, a macrotask apart, so freed buffers are really gone from the counters. */
export async function settleGarbage(): Promise<void> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
}

/**
 * The largest `queued()` seen while a flood flows: sampled every 5 ms until neither `queued()` nor
 * `unsent()` has moved for `stillMs`, when the flood is either stuck (the server stopped reading) or
 * wholly taken in (it did not), or until `giveUpMs` have passed. A test that only needs to know
 * whether a bound holds passes it as `stopAbove`: the sampling ends as soon as the peak passes it.
 */
export async function peakUntilStill(
  queued: () => number,
  unsent: () => number,
  { stillMs = 100, giveUpMs = 3000, stopAbove = Infinity }: { stillMs?: number; giveUpMs?: number; stopAbove?: number } = {},
): Promise<number> {
  let peak = 0;
  let last = { at: performance.now(), queued: -1, unsent: -1 };
  const giveUp = performance.now() + giveUpMs;
  for (let now = performance.now(); now - last.at < stillMs && now < giveUp && peak <= stopAbove; now = performance.now()) {
    const sample = { at: now, queued: queued(), unsent: unsent() };
    peak = Math.max(peak, sample.queued);
    if (sample.queued !== last.queued || sample.unsent !== last.unsent) last = sample;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return peak;
}
