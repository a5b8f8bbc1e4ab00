/**
 * The deadlines of every connection of one server, on one timer.
 *
 * The connection is sans-I/O: chapter 08's watchdog inside it knows the deadlines (handshake,
 * heartbeat, pong, close) on the clock it was given, and `checkTimers()` acts on whatever is due.
 * This module is the small part that touches time: it makes sure each connection is asked in time.
 *
 * One `setTimeout` per connection would do, and is how this began. But a timer is an object that
 * lives as long as its connection: a `Timeout` with its fields, the callback it calls and a bit of
 * state, about 360 bytes per connection as measured with `npx tsx tools/bench/memory-idle.ts
 * --heap-snapshot`, for deadlines that an idle server hardly ever reaches. At 10,000 connections
 * that is 3.6 MB of timers. So one server keeps one timer for all its connections:
 *
 * - deadlines are rounded **up** to a tick of {@link DeadlineSweep.resolution} ms, and each
 *   connection waits in the bucket of its tick (a `Set` per tick: a few dozen bytes per connection);
 * - one `setTimeout`, armed for the earliest bucket, asks every connection of the buckets that are
 *   due, then files each under its new deadline, and arms itself for the next bucket;
 * - the tick is a sixteenth of the shortest limit configured (5 ms for an 80 ms test limit, 312 ms
 *   for the default 5 s close timeout), so a deadline is acted on at most that much late, and
 *   never early: rounding up, and the watchdog itself answers "nothing yet" before its deadline.
 *
 * A connection is filed again only when its deadline comes *earlier* than its bucket (the 101 is
 * written, our close frame goes out, a ping is sent). Activity on an open connection only pushes
 * the deadline later: the bucket comes, the watchdog finds nothing due, and the connection is filed
 * under its new deadline. A busy connection costs one check per ping interval, not a timer
 * operation per read. The timer is unref'd (it never keeps the process alive), and it is cleared
 * when no connection waits.
 */

/** setTimeout's largest delay (2^31 − 1 ms); a later bucket is reached in several steps. */
const MAX_DELAY = 2 ** 31 - 1;
/** How many ticks the shortest limit spans: the most a deadline is acted on late is 1/16 of it. */
const TICKS_PER_SHORTEST_LIMIT = 16;
/** The coarsest tick, for long limits (a 60 s handshake timeout is acted on within a second). */
const MAX_RESOLUTION = 1000;
/** No bucket, for {@link Scheduled.sweepTick}. */
const UNSCHEDULED = -1;

/** A connection, as the sweep sees it. */
export interface Scheduled {
  /** When it next has something to do, on the sweep's clock (null: never). */
  deadline(): number | null;
  /** Acts on what is due now (a ping, or a drop). */
  checkTimers(): void;
  /** The tick of its bucket, {@link UNSCHEDULED} for none: kept by the sweep, read by no one else. */
  sweepTick: number;
}

/** What the socket glue hands the application's handle: "the deadline may have moved earlier". */
export interface DeadlineTimer {
  /** Makes sure the connection is asked no later than its deadline. Call after every event. */
  arm(): void;
}

export class DeadlineSweep {
  /** A new connection's {@link Scheduled.sweepTick}: it waits in no bucket yet. */
  static readonly UNSCHEDULED = UNSCHEDULED;
  /** Milliseconds per tick. */
  readonly resolution: number;
  /** Connections by the tick their deadline falls in (rounded up). */
  private readonly buckets = new Map<number, Set<Scheduled>>();
  private timer: NodeJS.Timeout | undefined;
  /** The tick the timer is armed for (Infinity: not armed). */
  private armedTick = Infinity;

  /** `limits`: the timeouts configured, in ms (Infinity for off); the tick is cut to the shortest. */
  constructor(
    limits: readonly number[],
    private readonly now: () => number,
  ) {
    const shortest = Math.min(...limits.filter((limit) => Number.isFinite(limit) && limit > 0), Infinity);
    this.resolution = Math.min(Math.max(1, shortest / TICKS_PER_SHORTEST_LIMIT), MAX_RESOLUTION);
  }

  /** Files `item` under its deadline, unless it already waits in a bucket no later than that. */
  schedule(item: Scheduled): void {
    const deadline = item.deadline();
    if (deadline === null) return this.unschedule(item);
    const tick = Math.ceil(deadline / this.resolution);
    if (item.sweepTick !== UNSCHEDULED && item.sweepTick <= tick) return;
    this.unschedule(item);
    let bucket = this.buckets.get(tick);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(tick, bucket);
    }
    bucket.add(item);
    item.sweepTick = tick;
    if (tick < this.armedTick) this.arm(tick);
  }

  /** `item` is gone (its TCP connection closed): it is asked no more. */
  unschedule(item: Scheduled): void {
    const tick = item.sweepTick;
    if (tick === UNSCHEDULED) return;
    item.sweepTick = UNSCHEDULED;
    const bucket = this.buckets.get(tick);
    if (bucket === undefined) return;
    bucket.delete(item);
    if (bucket.size > 0) return;
    this.buckets.delete(tick);
    // Nobody waits any more: no timer either.
    if (this.buckets.size === 0) this.disarm();
  }

  /** 1. Take every bucket whose tick has come. 2. Ask each of their connections, file it again. 3. Arm for the next. */
  private readonly sweep = (): void => {
    this.timer = undefined;
    this.armedTick = Infinity;
    const current = Math.floor(this.now() / this.resolution);
    const due: Set<Scheduled>[] = [];
    for (const [tick, bucket] of this.buckets) {
      if (tick > current) continue;
      this.buckets.delete(tick);
      due.push(bucket);
    }
    for (const bucket of due) {
      for (const item of bucket) {
        item.sweepTick = UNSCHEDULED;
        item.checkTimers();
        // Its new deadline is later than now, so it lands in a later bucket than `current`.
        this.schedule(item);
      }
    }
    let next = Infinity;
    for (const tick of this.buckets.keys()) next = Math.min(next, tick);
    if (Number.isFinite(next) && next < this.armedTick) this.arm(next);
  };

  private arm(tick: number): void {
    this.disarm();
    this.armedTick = tick;
    const delay = tick * this.resolution - this.now();
    this.timer = setTimeout(this.sweep, Math.min(Math.max(0, Math.ceil(delay)), MAX_DELAY));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedTick = Infinity;
  }
}
