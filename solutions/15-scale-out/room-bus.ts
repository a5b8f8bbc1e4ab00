/**
 * Chapter 15: the parts of a room shared across processes that are WebSocket's own problem.
 *
 * Between processes, a pub/sub engine (Redis) carries every chat message to every process. The
 * engine does not know about WebSocket clients, so each process still decides, for each message it
 * receives, whether its own clients get it, and in what order. Four small decisions live here:
 *
 * - the envelope: what a process publishes, so a receiver knows who published it and in which order;
 * - exactly once: a process delivers its own clients' messages locally at once, and drops the copy
 *   the engine sends back to it; for another publisher, it delivers each sequence number once;
 * - the reconnect delay when the engine is gone: exponential, capped, with full jitter, so that a
 *   hundred processes that lost Redis at the same instant do not all come back at the same instant;
 * - presence: each process keeps its own count under its own key with an expiry, and the room's
 *   size is the sum of the keys that are still there, so a crashed process's users disappear when
 *   its key expires.
 */

/** What one process publishes for one chat message. */
export interface Envelope {
  /** The publishing process's id, unique per process start (e.g. `host:pid:random`). */
  readonly origin: string;
  /** 1, 2, 3 … per origin, in the order that process's clients sent their messages. */
  readonly seq: number;
  /** The chat message's text, as a client sent it. */
  readonly text: string;
}

/** The envelope as the string published on the channel (JSON: `{"o":…,"s":…,"t":…}`). */
export function encodeEnvelope(envelope: Envelope): string {
  // @solution encodeEnvelope: one JSON object with the three fields
  return JSON.stringify({ o: envelope.origin, s: envelope.seq, t: envelope.text });
  // @end
}

/**
 * The envelope in a string received from the channel, or `undefined` when it is not one (not JSON,
 * a field missing or of the wrong type, a sequence number that is not a positive integer). Anything
 * can be published on a channel; a receiver never throws on it.
 */
export function decodeEnvelope(raw: string): Envelope | undefined {
  // @solution decodeEnvelope: parse inside try, then check every field's type
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { o, s, t } = value as Record<string, unknown>;
  if (typeof o !== 'string' || o === '' || typeof t !== 'string') return undefined;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 1) return undefined;
  return { origin: o, seq: s, text: t };
  // @end
}

/** What a process does with an envelope it received from the channel. */
export type Verdict =
  /** Give it to every local client. */
  | 'deliver'
  /** This process published it, and its clients already have it: drop the echo. */
  | 'own'
  /** Seen already (or older than what was delivered): drop it. */
  | 'duplicate';

/**
 * Decides, per received envelope, whether local clients get it: exactly once per message, and per
 * publisher in the publisher's order. One per process, fed every envelope the subscription brings.
 */
export class Inbox {
  // @remove
  private readonly lastSeq = new Map<string, number>();
  // @end

  /** `self` is this process's own origin id. */
  constructor(readonly self: string) {}

  /**
   * The verdict for `envelope`. An envelope from `self` is `'own'`. From another origin, the first
   * envelope with a sequence number above every earlier one from that origin is `'deliver'`; one at
   * or below the highest delivered is `'duplicate'`. A jump (5 after 3) is delivered: the engine
   * keeps a publisher's order on one connection, so a gap means messages lost while this process was
   * not subscribed, and waiting for them would stall the room for good.
   */
  accept(envelope: Envelope): Verdict {
    // @solution Inbox.accept: own origin first, then compare with the highest sequence number seen from that origin
    if (envelope.origin === this.self) return 'own';
    const last = this.lastSeq.get(envelope.origin) ?? 0;
    if (envelope.seq <= last) return 'duplicate';
    this.lastSeq.set(envelope.origin, envelope.seq);
    return 'deliver';
    // @end
  }

  /** Forgets an origin (its process left: its presence key expired), so the map does not grow forever. */
  forget(origin: string): void {
    // @solution Inbox.forget: delete the origin's entry
    this.lastSeq.delete(origin);
    // @end
  }
}

/** The reconnect schedule while the engine is unreachable. */
export interface BackoffOptions {
  /** The first attempt's ceiling, in ms. */
  readonly baseMs: number;
  /** No delay is ever longer than this, in ms. */
  readonly maxMs: number;
}

/** 100 ms, doubling, never above 10 s. */
export const defaultBackoff: BackoffOptions = { baseMs: 100, maxMs: 10_000 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first): "full jitter", a uniformly random
 * delay between 0 and `min(maxMs, baseMs * 2^attempt)`. `random` returns a number in [0, 1), as
 * `Math.random` does (a test passes its own). The result is a whole number of ms.
 */
export function reconnectDelay(attempt: number, options: BackoffOptions = defaultBackoff, random: () => number = Math.random): number {
  // @solution reconnectDelay: the ceiling doubles per attempt up to maxMs, the delay is random below it
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
  // @end
}

/** The Redis key under which process `origin` keeps its count of `room`'s local clients. */
export function presenceKey(room: string, origin: string): string {
  // @solution presenceKey: one prefix per room, then the origin
  return `presence:${room}:${origin}`;
  // @end
}

/**
 * The room's size from the values read under every process's presence key (`null` for a key that
 * expired between listing and reading it, as Redis `MGET` answers). Values that are not a
 * non-negative whole number count as 0: one broken process never breaks the count of the others.
 */
export function presenceTotal(values: ReadonlyArray<string | null>): number {
  // @solution presenceTotal: sum the values that parse as non-negative integers
  let total = 0;
  for (const value of values) {
    if (value === null || !/^\d+$/.test(value)) continue;
    total += Number(value);
  }
  return total;
  // @end
}
