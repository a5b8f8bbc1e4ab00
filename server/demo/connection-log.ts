/**
 * The demo's connection log: one short line per thing a learner wants to see while trying a server.
 *
 * ```
 * #1 connected from 127.0.0.1:50312
 * #1 101 /chat (protocol chat)
 * #1 closed 1000 "bye" by client
 * #2 400 the Sec-WebSocket-Key field is missing
 * ```
 *
 * It is the socket glue's {@link ConnectionMonitor}: told of every accepted socket, every event and
 * every deadline that drops a peer, it changes nothing. Who closed is read from the close frames'
 * order (RFC 6455 §7.1.2, §7.1.4): the side whose close frame came first started the closing
 * handshake; a TCP close with no close frame at all is a lost connection (code 1006, §7.1.5), and a
 * deadline (chapter 08) is a timeout. With `frames`, every frame of every open connection is listed
 * too, decoded by frame-log.ts. A line never grows past {@link MAX_LINE} characters.
 */
import { HttpError } from '../../core/errors.ts';
import { ReadyState } from '../../core/ready-state.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { CloseInfo } from '@impl/06-closing/close.ts';
import type { ConnectionEvent } from '../wiring/connection.ts';
import type { ByteTap, ConnectionMonitor, SocketConnection } from '../wiring/server.ts';
import type { LogNote, LoggedFrame } from './frame-log.ts';
import { FrameLog } from './frame-log.ts';

/** The longest line the log prints; a longer one is cut, ending in `…`. */
export const MAX_LINE = 100;

/**
 * What the log remembers of one connection until its TCP connection is gone. A server may hold
 * thousands of idle connections, so this is kept small: the `#id` tag is written when a line is,
 * the set of byte observers exists only once one is added, and a log that prints nothing makes a
 * record only for a connection that gets an observer.
 */
interface Tracked {
  opened: boolean;
  answered: boolean;
  /** The close frame that started the closing handshake, and who sent it. */
  firstClose: { readonly by: 'client' | 'server'; readonly code: number; readonly reason: string } | null;
  /** The server's close frame, a start or a reply: which it was shows when the client's arrives. */
  serverClose: CloseInfo | null;
  /** Why a deadline dropped it (chapter 08). */
  dropped: string | null;
  /** Every byte observer of the connection (the console's frame log, the page's), if any. */
  taps: Set<ByteTap> | null;
}

export interface ConnectionLogOptions {
  /** Also one line per frame read or written. */
  readonly frames?: boolean;
}

export class ConnectionLog implements ConnectionMonitor {
  private readonly tracked = new Map<SocketConnection, Tracked>();
  /** A request head's connection: how a plain request's answer and a WebSocket find theirs. */
  private readonly byHead = new WeakMap<RequestHead, SocketConnection>();

  constructor(
    /** Where lines go (console.log for `npm run serve`); null logs nothing, the taps still work. */
    private readonly print: ((line: string) => void) | null,
    private readonly options: ConnectionLogOptions = {},
  ) {}

  accepted(connection: SocketConnection, peer: () => string): void {
    // A log that prints nothing keeps nothing: a record is made only once a byte observer needs one.
    if (this.print === null) return;
    this.track(connection);
    this.line(connection, `connected from ${peer()}`);
  }

  event(connection: SocketConnection, event: ConnectionEvent): void {
    // A head leads to its connection (for answered() and observe()), printed or not; the map is weak,
    // so the head and the entry go once the connection no longer needs its head.
    if (event.type === 'request' || event.type === 'open') this.byHead.set(event.head, connection);
    const state = this.tracked.get(connection);
    if (state === undefined) return;
    switch (event.type) {
      case 'request':
        return;
      case 'open': {
        state.opened = state.answered = true;
        this.line(connection, `101 ${event.path}${event.protocol === null ? '' : ` (protocol ${event.protocol})`}`);
        this.startTaps(connection, state);
        return;
      }
      case 'error':
        if (state.opened) this.line(connection, `failed: ${event.error.message}`);
        else {
          // The connection answers an HttpError with its status, anything else with 500 (connection.ts).
          state.answered = true;
          const status = event.error instanceof HttpError ? event.error.status : 500;
          this.line(connection, `${status} ${shortTodo(event.error.message)}`);
        }
        return;
      case 'closing':
        state.serverClose ??= { code: event.code, reason: event.reason };
        return;
      case 'close':
        // The client's close frame. A connection still OPEN here had sent none of its own: the
        // client started the closing handshake and the `closing` just before was the server's
        // reply (RFC 6455 §5.5.1). Otherwise the server's close frame came first.
        if (connection.readyState === ReadyState.OPEN || state.serverClose === null) {
          state.firstClose ??= { by: 'client', code: event.code, reason: event.reason };
        } else state.firstClose ??= { by: 'server', ...state.serverClose };
        return;
      case 'closed':
        if (state.serverClose !== null) state.firstClose ??= { by: 'server', ...state.serverClose };
        this.line(connection, `closed ${describeClose(state, event.code, event.wasClean)}`);
        return;
      case 'message':
      case 'ping':
      case 'pong':
        return;
      default: {
        // A log must never break a connection: an event it does not know is left out.
        const unknown: never = event;
        return unknown;
      }
    }
  }

  dropped(connection: SocketConnection, reason: string): void {
    const state = this.tracked.get(connection);
    if (state !== undefined) state.dropped = reason;
  }

  gone(connection: SocketConnection): void {
    const state = this.tracked.get(connection);
    if (state === undefined) return;
    this.tracked.delete(connection);
    if (state.opened) return; // its `closed` line is out
    if (state.dropped !== null) this.line(connection, `dropped by timeout: ${state.dropped}`);
    else if (!state.answered) this.line(connection, 'closed before its request was complete');
  }

  /** A plain HTTP request's answer (the demo's page, a 404, a 426). */
  answered(head: RequestHead, status: number): void {
    const connection = this.byHead.get(head);
    const state = connection === undefined ? undefined : this.tracked.get(connection);
    if (connection === undefined || state === undefined) return;
    state.answered = true;
    this.line(connection, `${status} ${head.method} ${head.target}`);
  }

  /**
   * Adds a byte observer to the open connection that sent `head` (the `connection` event's
   * request); returns how to remove it.
   */
  observe(head: RequestHead, tap: ByteTap): () => void {
    const connection = this.byHead.get(head);
    if (connection === undefined || connection.readyState === ReadyState.CLOSED) return () => {};
    const state = this.tracked.get(connection) ?? this.track(connection, true);
    this.addTap(connection, state, tap);
    return () => {
      state.taps?.delete(tap);
      // No observer left: the glue goes back to handing its chunks to nobody.
      if (state.taps?.size === 0) {
        state.taps = null;
        connection.observe(null);
      }
    };
  }

  private track(connection: SocketConnection, opened = false): Tracked {
    const state: Tracked = { opened, answered: opened, firstClose: null, serverClose: null, dropped: null, taps: null };
    this.tracked.set(connection, state);
    return state;
  }

  /** The console's frame log, when asked for, from the first chunk after the 101. */
  private startTaps(connection: SocketConnection, state: Tracked): void {
    if (!this.options.frames || this.print === null) return;
    const frames = new FrameLog((entry) => this.line(connection, describeFrame(entry)));
    this.addTap(connection, state, frames.push);
  }

  /** The glue holds one observer per connection: the first tap installs one that feeds them all. */
  private addTap(connection: SocketConnection, state: Tracked, tap: ByteTap): void {
    if (state.taps === null) {
      const taps = new Set<ByteTap>();
      state.taps = taps;
      connection.observe((direction, bytes) => {
        for (const each of taps) each(direction, bytes);
      });
    }
    state.taps.add(tap);
  }

  private line(connection: SocketConnection, text: string): void {
    if (this.print === null) return;
    this.print(fit(`#${connection.id} ${text}`));
  }
}

/** `1000 "bye" by client`, `1006 by timeout: …`, `1006 by network error: …`. */
function describeClose(state: Tracked, code: number, wasClean: boolean): string {
  const first = state.firstClose;
  // A long reason is cut, so that who closed stays on the line.
  const reason = (info: { reason: string }): string => (info.reason === '' ? '' : ` ${JSON.stringify(cut(info.reason, MAX_REASON))}`);
  if (state.dropped !== null) return `${first?.code ?? code} by timeout: ${state.dropped}`;
  if (first === null) return `${code} by network error: TCP closed without a close frame`;
  return `${first.code}${reason(first)} by ${first.by}${wasClean ? '' : ' (no close frame back before TCP closed)'}`;
}

/** `in  text 5 B masked: Hello`: one frame, as the console shows it. */
function describeFrame(entry: LoggedFrame | LogNote): string {
  const arrow = entry.direction === 'in' ? 'in ' : 'out';
  if ('note' in entry) return `${arrow} frame log ${entry.note}`;
  const flags = `${entry.fin ? '' : ' (not FIN)'}${entry.rsv1 ? ' rsv1' : ''}${entry.masked ? ' masked' : ''}`;
  const code = entry.closeCode === undefined ? '' : ` ${entry.closeCode}`;
  return `${arrow} ${entry.opcodeName} ${entry.payloadLength} B${flags}:${code} ${entry.preview}`.trimEnd();
}

/**
 * A stand-in's 501 quotes the starter's TODO in full (`Chapter 04: implement decideHandshake: …
 * (chapters/04-upgrade/handshake.ts)`) for the client; the log names the chapter and file only.
 */
function shortTodo(message: string): string {
  const todo = /^Chapter (\d\d): implement .* \((chapters\/[^)\s]+\.ts)\)$/s.exec(message);
  return todo === null ? message : `Chapter ${todo[1]} not written yet (${todo[2]})`;
}

/** How much of a close reason a close line quotes (a reason may have up to 123 bytes, RFC 6455 §5.5). */
const MAX_REASON = 32;

/** The line cut to {@link MAX_LINE} characters, control characters shown as spaces. */
function fit(line: string): string {
  // eslint-disable-next-line no-control-regex
  return cut(line.replace(/[\u0000-\u001f\u007f]/g, ' '), MAX_LINE);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
