/**
 * The timers of one connection: chapter 08's {@link Watchdog} bound to a real clock.
 *
 * The watchdog is sans-I/O: it is told what happened and when, and says when it next needs to be
 * checked. This module is the small part that touches time: it reads a monotonic clock
 * (`performance.now()`), keeps at most one `setTimeout` per connection, armed for the watchdog's
 * deadline, and when it fires asks the watchdog what is due (send a ping, or drop the connection).
 *
 * The timer is re-armed only when the deadline comes *earlier* than the armed one (the 101 is
 * written, our close frame goes out, a ping is answered). Activity on an open connection only
 * pushes the deadline later: the armed timer then fires, finds nothing due, and is re-armed for the
 * new deadline, so a busy connection costs one wake-up per ping interval, not a timer reset per read. Every timer is unref'd (it never keeps the process alive) and
 * cleared by `stop()`.
 *
 * Until chapter 08 is written, no timer runs at all: no heartbeat, and no handshake or close
 * timeout either (one notice says so). A silent or slow peer can then hold its socket forever.
 */
import type { Expiry, Timeouts } from '../08-heartbeat/watchdog.ts';
import { Watchdog, withDefaultTimeouts } from '../08-heartbeat/watchdog.ts';
import { NotImplementedError } from './errors.ts';
import { noteMissing } from './layers.ts';

/** Server options for the four limits, in ms (defaults: handshake 10 s, ping 30 s, pong 10 s, close 5 s). */
export type TimeoutOptions = Partial<Timeouts>;

export interface ConnectionTimers {
  /** Bytes arrived from the peer. */
  activity(): void;
  /** The handshake completed (101 written). */
  opened(): void;
  /** Our close frame is out: wait for the peer's. */
  closing(): void;
  /** The TCP connection is gone: cancel everything. */
  stop(): void;
}

export interface TimerActions {
  ping(): void;
  drop(reason: string): void;
}

/** setTimeout's largest delay (2^31 − 1 ms); a later deadline is reached in several steps. */
const MAX_DELAY = 2 ** 31 - 1;

const MEANWHILE = 'no timers run: no heartbeat pings, no handshake timeout and no close timeout';

export function startTimers(options: TimeoutOptions, actions: TimerActions): ConnectionTimers {
  const now = (): number => performance.now();
  let watchdog: Watchdog | null = null;
  let timer: NodeJS.Timeout | undefined;
  /** The deadline the armed timer fires at. */
  let armedFor = Infinity;

  /** Runs a watchdog call; if chapter 08 is not written yet, says so once and turns the timers off. */
  const guard = <T>(call: (watchdog: Watchdog) => T): T | null => {
    if (watchdog === null) return null;
    try {
      return call(watchdog);
    } catch (error) {
      if (!(error instanceof NotImplementedError)) throw error;
      noteMissing(error, MEANWHILE);
      watchdog = null;
      disarm();
      return null;
    }
  };

  const disarm = (): void => {
    clearTimeout(timer);
    timer = undefined;
    armedFor = Infinity;
  };

  /** Makes sure a timer fires no later than the watchdog's deadline. */
  const arm = (): void => {
    const deadline = guard((w) => w.deadline());
    if (deadline === null) return disarm();
    if (timer !== undefined && armedFor <= deadline) return;
    disarm();
    armedFor = deadline;
    timer = setTimeout(fire, Math.min(Math.max(0, deadline - now()), MAX_DELAY));
    timer.unref();
  };

  const fire = (): void => {
    timer = undefined;
    armedFor = Infinity;
    const due: Expiry | null = guard((w) => w.check(now()));
    if (due?.action === 'drop') {
      guard((w) => w.stop());
      return actions.drop(due.reason);
    }
    if (due?.action === 'ping') actions.ping();
    arm();
  };

  try {
    watchdog = new Watchdog(withDefaultTimeouts(options), now());
  } catch (error) {
    if (!(error instanceof NotImplementedError)) throw error;
    noteMissing(error, MEANWHILE);
  }
  arm();

  return {
    activity() {
      guard((w) => w.activity(now()));
      arm();
    },
    opened() {
      guard((w) => w.opened(now()));
      arm();
    },
    closing() {
      guard((w) => w.closing(now()));
      arm();
    },
    stop() {
      guard((w) => w.stop());
      disarm();
      watchdog = null;
    },
  };
}
