/**
 * Chapter 09: backpressure and limits — a server's memory must not depend on its clients' manners.
 *
 * Two kinds of client can make a naive server grow without bound:
 *
 * - one that **sends faster than the server can deal with**: faster than the application finishes
 *   its messages (an async handler still writing to a database), or faster than it reads the
 *   answers (an echo client that never reads). The server's answer is to stop reading from that
 *   socket: the kernel's receive buffer fills, TCP's window closes, and the client's own writes
 *   block. That is backpressure: the slowest part sets the pace, and nothing piles up in between.
 * - one that **does not read** while the server has a lot to tell it: a chat room broadcasting to a
 *   client on a dead phone network. Pausing that client's reads changes nothing (it sends nothing),
 *   so the server needs a policy: past a limit of bytes queued for that client, stop queueing.
 *   Either fail the client with 1008 Policy Violation (the default) or skip messages for it.
 *
 * This module holds the decisions only, with no socket: the socket glue (wiring/server.ts) feeds a
 * {@link FlowControl} what happened (a message handed to the application, a write the socket could
 * not take at once, a `'drain'`) and applies what it answers (`socket.pause()`, `socket.resume()`),
 * and asks {@link slowConsumerAction} before queueing each message. Reading pauses above a
 * high-water mark and resumes only below half of it (hysteresis), so a connection near the limit
 * does not flip between paused and flowing on every chunk.
 */

/** What happens to a message for a client that has more than `maxBufferedAmount` bytes queued. */
export type SlowConsumerPolicy =
  /** Fail the client: close with 1008 Policy Violation and queue nothing more for it. */
  | 'close'
  /** Keep the client, but drop messages for it until its queue is under the limit again. */
  | 'skip';

/** The limits of chapter 09 (server options). */
export interface FlowLimits {
  /**
   * Bytes of received messages the application has not finished with (its message handler returned
   * a promise that is not settled yet) above which the server stops reading from that client.
   * Reading resumes once they drop to half. Default 1 MiB.
   */
  readonly maxPendingBytes: number;
  /**
   * Bytes queued for one client and not yet handed to the kernel (its `bufferedAmount`) past which
   * a new message for it meets {@link FlowLimits.slowConsumer}. Default 4 MiB.
   */
  readonly maxBufferedAmount: number;
  /** What to do with a client over `maxBufferedAmount`. Default `'close'` (1008). */
  readonly slowConsumer: SlowConsumerPolicy;
}

/** 1 MiB of unfinished messages per connection; 4 MiB queued per client; slow clients are closed. */
export const DEFAULT_FLOW_LIMITS: FlowLimits = {
  maxPendingBytes: 1024 * 1024,
  maxBufferedAmount: 4 * 1024 * 1024,
  slowConsumer: 'close',
};

/** The given limits, each missing one taken from {@link DEFAULT_FLOW_LIMITS}. */
export function withDefaultFlowLimits(options: Partial<FlowLimits> = {}): FlowLimits {
  return {
    maxPendingBytes: options.maxPendingBytes ?? DEFAULT_FLOW_LIMITS.maxPendingBytes,
    maxBufferedAmount: options.maxBufferedAmount ?? DEFAULT_FLOW_LIMITS.maxBufferedAmount,
    slowConsumer: options.slowConsumer ?? DEFAULT_FLOW_LIMITS.slowConsumer,
  };
}

/** What the read side of one connection looks like right now. */
export interface ReadState {
  /** Whether reading is paused now. */
  readonly paused: boolean;
  /** Bytes of messages handed to the application that it has not finished with. */
  readonly pendingBytes: number;
  /** The socket refused a write (`write()` returned false) and has not emitted `'drain'` since. */
  readonly writeBlocked: boolean;
}

/**
 * Whether reading should be paused, given the state and the high-water mark `maxPendingBytes`:
 *
 * - while the socket's write side is blocked, pause: whatever we read now would only add answers
 *   to a queue the client is not emptying;
 * - flowing: pause once the pending bytes go *above* the mark;
 * - paused: stay paused until they are back to *half* the mark or less (hysteresis).
 */
export function shouldPauseReading(state: ReadState, maxPendingBytes: number): boolean {
  // @solution shouldPauseReading: pause while writes are blocked or pending bytes are above the mark; once paused, resume only at half the mark
  if (state.writeBlocked) return true;
  // Two thresholds: going up, pause above the mark; coming down, resume at half of it.
  const threshold = state.paused ? maxPendingBytes / 2 : maxPendingBytes;
  return state.pendingBytes > threshold;
  // @end
}

/** What to do with one message for one client. */
export type SendDecision = 'send' | 'skip' | 'close';

/**
 * Whether a message of `messageLength` bytes may be queued for a client that already has
 * `bufferedAmount` bytes queued. It may when the queue is empty (one message always goes, however
 * big: the message size limit bounds it), or when the queue stays within `maxBufferedAmount` with
 * it. Otherwise the policy decides: `'close'` or `'skip'`.
 *
 * So a client's queue never exceeds the larger of `maxBufferedAmount` and one message.
 */
export function slowConsumerAction(
  bufferedAmount: number,
  messageLength: number,
  limits: Pick<FlowLimits, 'maxBufferedAmount' | 'slowConsumer'>,
): SendDecision {
  // @solution slowConsumerAction: send when the queue is empty or stays within the limit with the message; otherwise apply the policy
  if (bufferedAmount === 0 || bufferedAmount + messageLength <= limits.maxBufferedAmount) return 'send';
  return limits.slowConsumer;
  // @end
}

/**
 * The flow state of one connection. The socket glue reports what happens; after each report it
 * calls {@link FlowControl.readingAction} and applies the answer to the socket.
 */
export class FlowControl {
  private paused = false;
  private pending = 0;
  private writeBlocked = false;

  constructor(readonly limits: FlowLimits = DEFAULT_FLOW_LIMITS) {}

  /** Bytes of messages handed to the application and not finished yet. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** The application took a message of `length` bytes and will say when it is done with it. */
  messageStarted(length: number): void {
    this.pending += length;
  }

  /** The application finished a message of `length` bytes (its promise settled). */
  messageFinished(length: number): void {
    this.pending = Math.max(0, this.pending - length);
  }

  /** A write was refused: `write()` returned false, the socket's buffer is over its high-water mark. */
  writeRefused(): void {
    this.writeBlocked = true;
  }

  /** The socket emitted `'drain'`: its buffer is empty again. */
  drained(): void {
    this.writeBlocked = false;
  }

  /**
   * What to do to the socket now: `'pause'` when reading should stop and is flowing, `'resume'`
   * when it should flow and is paused, `null` when nothing changes. Records the new state.
   */
  readingAction(): 'pause' | 'resume' | null {
    // @solution FlowControl.readingAction: ask shouldPauseReading, compare with the current state, record the change
    const pause = shouldPauseReading(
      { paused: this.paused, pendingBytes: this.pending, writeBlocked: this.writeBlocked },
      this.limits.maxPendingBytes,
    );
    if (pause === this.paused) return null;
    this.paused = pause;
    return pause ? 'pause' : 'resume';
    // @end
  }
}
