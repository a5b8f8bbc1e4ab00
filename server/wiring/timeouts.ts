/**
 * The one timer of one connection.
 *
 * The connection is sans-I/O: chapter 08's watchdog inside it knows the deadlines (handshake,
 * heartbeat, pong, close) on the clock it was given, and `checkTimers()` acts on whatever is due.
 * This module is the small part that touches time: it keeps at most one `setTimeout` per
 * connection, armed for the connection's deadline, and when it fires lets the connection act, then
 * arms again.
 *
 * The timer is re-armed only when the deadline comes *earlier* than the armed one (the 101 is
 * written, our close frame goes out, a ping is sent). Activity on an open connection only pushes
 * the deadline later: the armed timer then fires, finds nothing due, and is re-armed for the new
 * deadline, so a busy connection costs one wake-up per ping interval rather than a timer per read.
 * The timer is unref'd (it never keeps the process alive) and cleared by `stop()`.
 */
import type { Connection } from './connection.ts';

/** setTimeout's largest delay (2^31 − 1 ms); a later deadline is reached in several steps. */
const MAX_DELAY = 2 ** 31 - 1;

export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  /** The deadline the armed timer fires at. */
  private armedFor = Infinity;
  private stopped = false;

  constructor(
    private readonly connection: Connection,
    private readonly now: () => number,
  ) {}

  /** Makes sure a timer fires no later than the connection's deadline. Call after every event. */
  arm(): void {
    if (this.stopped) return;
    const deadline = this.connection.deadline();
    if (deadline === null) return this.disarm();
    if (this.timer !== undefined && this.armedFor <= deadline) return;
    this.disarm();
    this.armedFor = deadline;
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, deadline - this.now()), MAX_DELAY));
    this.timer.unref();
  }

  /** The TCP connection is gone: no timer from now on. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.connection.checkTimers();
    this.arm();
  };

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }
}
