/**
 * Timers of one connection (chapter 08 plugs in here): handshake timeout, heartbeat, close timeout.
 * Placeholder: no timers yet.
 */
export interface TimeoutOptions {
  /** Most time from TCP accept to a complete request head, in ms. */
  readonly handshakeTimeout?: number;
  /** Silence after which the server pings, in ms. */
  readonly pingInterval?: number;
  /** Time to wait for the pong, in ms, before dropping the connection. */
  readonly pongTimeout?: number;
  /** Time to wait for the peer's close frame after ours, in ms. */
  readonly closeTimeout?: number;
}

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

export function startTimers(_options: TimeoutOptions, _actions: TimerActions): ConnectionTimers {
  return { activity() {}, opened() {}, closing() {}, stop() {} };
}
