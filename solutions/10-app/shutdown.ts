/**
 * Chapter 10: a graceful shutdown — say goodbye to every client, wait a little, then hang up.
 *
 * A server that stops by destroying its sockets leaves every client with 1006 (Abnormal Closure)
 * and no idea whether to reconnect. A polite server runs the closing handshake with each client
 * (RFC 6455 §7.1.2) with 1001 Going Away (§7.4.1: "a server going down"), so a browser can tell a
 * restart from a crash. But a client that does not answer must not hold the shutdown forever: after
 * a timeout, whoever is left is dropped.
 *
 * ```
 * close(1001) to every OPEN client ──▶ all TCP closed? ──yes──▶ done
 *                                           │
 *                                       timeout ──▶ destroy the rest ──▶ done
 * ```
 */
import { ReadyState } from '../../core/ready-state.ts';
import { CloseCode } from '../../core/close-code.ts';

/** One client, as a shutdown sees it. */
export interface Closable {
  readonly readyState: ReadyState;
  /** Starts the closing handshake with a code a server may send (1001 here). */
  close(code: number, reason: string): void;
  /** Drops the TCP connection now. */
  terminate(): void;
  /** Settles once the TCP connection is gone, however it ended. */
  readonly closed: Promise<unknown>;
}

export interface ShutdownOptions {
  /** The close code (default 1001 Going Away). */
  readonly code?: number;
  /** The close reason (default `server shutting down`). */
  readonly reason?: string;
  /** How long to wait for the clients' answers, in ms, before dropping them (default 1000). */
  readonly timeout?: number;
}

export const DEFAULT_SHUTDOWN_TIMEOUT = 1000;

/**
 * Closes every client: a close frame to each OPEN one (a CLOSING one is already on its way), then
 * waits until every TCP connection is gone or `timeout` ms have passed, whichever comes first, then
 * terminates whoever is left. Resolves once every client is CLOSED. Never rejects.
 */
export function shutdown(clients: Iterable<Closable>, options: ShutdownOptions = {}): Promise<void> {
  // @solution shutdown: close every OPEN client, race "all closed" against a timer, terminate the rest
  const code = options.code ?? CloseCode.GoingAway;
  const reason = options.reason ?? 'server shutting down';
  const timeout = options.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  const remaining = [...clients].filter((client) => client.readyState !== ReadyState.CLOSED);
  // 1. Goodbye to each open client; one still in its handshake has nobody to say it to yet.
  for (const client of remaining) {
    if (client.readyState === ReadyState.OPEN) client.close(code, reason);
    else if (client.readyState === ReadyState.CONNECTING) client.terminate();
  }
  // 2. Wait for all of them, or for the timer.
  const allClosed = Promise.all(remaining.map((client) => client.closed)).then(() => 'closed' as const);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeout);
  });
  return Promise.race([allClosed, timedOut]).then(async (outcome) => {
    clearTimeout(timer);
    if (outcome === 'closed') return;
    // 3. Whoever did not answer in time is dropped.
    for (const client of remaining) if (client.readyState !== ReadyState.CLOSED) client.terminate();
    await allClosed;
  });
  // @end
}
