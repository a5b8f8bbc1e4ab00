/**
 * Chapter 08: the clocks of one connection (RFC 6455 §5.5.2–§5.5.3, §7.1.1).
 *
 * A server must not wait forever on a peer. Four deadlines protect it:
 *
 * - the **handshake timeout**: from TCP accept to the 101 that ends the opening handshake. Bytes
 *   trickling in do not extend it, or a client sending one byte a second (slowloris) would hold the socket forever;
 * - the **ping interval**: after that much silence from an open connection, the server sends a ping
 *   (§5.5.2) to learn whether anyone is still there;
 * - the **pong timeout**: if nothing at all (a pong, or any other bytes) arrives that long after the
 *   ping, the peer is gone or stuck: drop the TCP connection;
 * - the **close timeout**: once our close frame is out, the peer has that long to answer (§7.1.1
 *   lets the server close TCP first; a peer that never answers must not keep the socket).
 *
 * ```
 *  accept ── 101 written ──▶ open ── silence ≥ pingInterval ──▶ ping ── nothing for pongTimeout ──▶ drop
 *    └─ no 101 in handshakeTimeout ─▶ drop         ▲               │
 *                                                   └── any bytes ──┘
 *  our close frame sent ── no answer in closeTimeout ──▶ drop
 * ```
 *
 * The {@link Watchdog} is sans-I/O like the rest of the core: it owns no timer and reads no clock.
 * It is told what happened and when (`now`, in milliseconds from any monotonic clock), says when it
 * next needs to be asked ({@link Watchdog.deadline}) and, when asked ({@link Watchdog.check}),
 * what is due: send a ping, or drop the connection. The socket glue (server/wiring/timeouts.ts)
 * binds the watchdogs of all of a server's connections to one timer; the tests drive it with plain
 * numbers, no waiting.
 *
 * Activity does not move a timer: it only records the time. When the timer fires, `check` looks at
 * the recorded time and, if the connection was not silent, simply gives a later deadline. A busy
 * connection thus costs one timer wake-up per ping interval, not one timer reset per chunk read.
 */

/** The four limits, in milliseconds. `Infinity` turns one off. */
export interface Timeouts {
  /** Most time from TCP accept to the 101 that opens the connection. */
  readonly handshakeTimeout: number;
  /** Silence from an open connection after which the server pings. */
  readonly pingInterval: number;
  /** Time to wait, after a ping, for the pong (or any bytes) before dropping the connection. */
  readonly pongTimeout: number;
  /** Time to wait for the peer's close frame after ours before dropping the connection. */
  readonly closeTimeout: number;
}

/** Handshake 10 s, ping after 30 s of silence, pong within 10 s, close answered within 5 s. */
export const DEFAULT_TIMEOUTS: Timeouts = {
  handshakeTimeout: 10_000,
  pingInterval: 30_000,
  pongTimeout: 10_000,
  closeTimeout: 5_000,
};

/** The given limits, each missing one taken from {@link DEFAULT_TIMEOUTS}. */
export function withDefaultTimeouts(options: Partial<Timeouts> = {}): Timeouts {
  return {
    handshakeTimeout: options.handshakeTimeout ?? DEFAULT_TIMEOUTS.handshakeTimeout,
    pingInterval: options.pingInterval ?? DEFAULT_TIMEOUTS.pingInterval,
    pongTimeout: options.pongTimeout ?? DEFAULT_TIMEOUTS.pongTimeout,
    closeTimeout: options.closeTimeout ?? DEFAULT_TIMEOUTS.closeTimeout,
  };
}

/** What is due when the watchdog is checked. */
export type Expiry =
  /** The connection has been silent for the ping interval: send a ping. */
  | { readonly action: 'ping' }
  /** A deadline passed: destroy the TCP connection (no close frame: the peer is not listening). */
  | { readonly action: 'drop'; readonly reason: string };
// @remove

/** Which clock is running. */
type Phase = 'handshake' | 'open' | 'awaiting-pong' | 'closing' | 'stopped';
// @end

/** The deadlines of one connection, from TCP accept to TCP close. */
export class Watchdog {
  // @remove
  private phase: Phase = 'handshake';
  /** When the current phase's clock started: accept, the ping, or our close frame. */
  private since: number;
  /** When bytes last arrived (meaningful while open). */
  private lastActivity: number;
  // @starter // Your state here: which clock is running, and the times the deadlines count from.
  // @end

  /** The connection was accepted at `now`: the handshake clock starts. */
  constructor(
    readonly timeouts: Timeouts,
    now: number,
  ) {
    // @solution Watchdog constructor: the connection was accepted at `now`, so the handshake clock starts
    this.since = now;
    this.lastActivity = now;
    // @end
  }

  /** Bytes arrived from the peer at `now`. */
  activity(now: number): void {
    // @solution Watchdog.activity: while open, remember when the peer last spoke; any bytes answer a ping
    // During the handshake and after our close frame, bytes do not buy time: only the 101 or the
    // peer's close frame ends those clocks.
    if (this.phase === 'open' || this.phase === 'awaiting-pong') {
      this.phase = 'open';
      this.lastActivity = now;
    }
    // @end
  }

  /** The 101 response was written at `now`: the connection is open, the heartbeat starts. */
  opened(now: number): void {
    // @solution Watchdog.opened: leave the handshake clock for the heartbeat
    if (this.phase !== 'handshake') return;
    this.phase = 'open';
    this.lastActivity = now;
    // @end
  }

  /** Our close frame was written at `now`: the peer has `closeTimeout` to answer with its own. */
  closing(now: number): void {
    // @solution Watchdog.closing: stop the heartbeat and start the close clock (once)
    if (this.phase === 'closing' || this.phase === 'stopped') return;
    this.phase = 'closing';
    this.since = now;
    // @end
  }

  /** The connection is gone: nothing is due any more. */
  stop(): void {
    // @solution Watchdog.stop: no deadline after this
    this.phase = 'stopped';
    // @end
  }

  /**
   * When the watchdog next needs to be checked (same clock as `now`), or null when no deadline is
   * running. Activity while open moves it later; answering a ping may move it earlier (when the
   * ping interval is shorter than the pong timeout).
   */
  deadline(): number | null {
    // @solution Watchdog.deadline: the running clock's start plus its limit
    const at = this.deadlineOf(this.phase);
    return Number.isFinite(at) ? at : null;
    // @end
  }

  /**
   * Called when the timer fires (or at any time): what is due at `now`, or null if nothing is yet.
   * A ping moves the watchdog to waiting for the pong; a drop stops it.
   */
  check(now: number): Expiry | null {
    // @solution Watchdog.check: compare now with the deadline; ping after silence, drop when a limit passed
    const deadline = this.deadline();
    if (deadline === null || now < deadline) return null;
    switch (this.phase) {
      case 'open':
        // RFC 6455 §5.5.2: a ping "may serve either as a keepalive or as a means to verify that the
        // remote endpoint is still responsive".
        this.phase = 'awaiting-pong';
        this.since = now;
        return { action: 'ping' };
      case 'handshake':
        return this.drop(`no WebSocket handshake within ${this.timeouts.handshakeTimeout} ms`);
      case 'awaiting-pong':
        return this.drop(`no pong within ${this.timeouts.pongTimeout} ms of a ping`);
      case 'closing':
        return this.drop(`no close frame within ${this.timeouts.closeTimeout} ms of ours`);
      case 'stopped':
        return null;
      default:
        return assertNever(this.phase);
    }
    // @end
  }
  // @remove

  /** When the clock of `phase` runs out (Infinity if it never does). */
  private deadlineOf(phase: Phase): number {
    switch (phase) {
      case 'handshake':
        return this.since + this.timeouts.handshakeTimeout;
      case 'open':
        return this.lastActivity + this.timeouts.pingInterval;
      case 'awaiting-pong':
        return this.since + this.timeouts.pongTimeout;
      case 'closing':
        return this.since + this.timeouts.closeTimeout;
      case 'stopped':
        return Infinity;
      default:
        return assertNever(phase);
    }
  }

  private drop(reason: string): Expiry {
    this.phase = 'stopped';
    return { action: 'drop', reason };
  }
  // @end
}
// @remove

function assertNever(value: never): never {
  throw new Error(`unexpected phase ${String(value)}`);
}
// @end
