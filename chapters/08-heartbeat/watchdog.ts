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
import { todo } from '../../core/errors.ts';


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

/** The deadlines of one connection, from TCP accept to TCP close. */
export class Watchdog {
  // Your state here: which clock is running, and the times the deadlines count from.

  /** The connection was accepted at `now`: the handshake clock starts. */
  constructor(
    readonly timeouts: Timeouts,
    now: number,
  ) {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog constructor: the connection was accepted at `now`, so the handshake clock starts');
  }

  /** Bytes arrived from the peer at `now`. */
  activity(now: number): void {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.activity: while open, remember when the peer last spoke; any bytes answer a ping');
  }

  /** The 101 response was written at `now`: the connection is open, the heartbeat starts. */
  opened(now: number): void {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.opened: leave the handshake clock for the heartbeat');
  }

  /** Our close frame was written at `now`: the peer has `closeTimeout` to answer with its own. */
  closing(now: number): void {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.closing: stop the heartbeat and start the close clock (once)');
  }

  /** The connection is gone: nothing is due any more. */
  stop(): void {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.stop: no deadline after this');
  }

  /**
   * When the watchdog next needs to be checked (same clock as `now`), or null when no deadline is
   * running. Activity while open moves it later; answering a ping may move it earlier (when the
   * ping interval is shorter than the pong timeout).
   */
  deadline(): number | null {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.deadline: the running clock\'s start plus its limit');
  }

  /**
   * Called when the timer fires (or at any time): what is due at `now`, or null if nothing is yet.
   * A ping moves the watchdog to waiting for the pong; a drop stops it.
   */
  check(now: number): Expiry | null {
    // TODO (see the chapter's README)
    return todo('chapters/08-heartbeat/watchdog.ts', 'Watchdog.check: compare now with the deadline; ping after silence, drop when a limit passed');
  }
}
