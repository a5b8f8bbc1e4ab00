/**
 * What the application gets for one connection: a handle on the sans-I/O {@link Connection} bound
 * to its socket. It holds the connection (composition, not inheritance), so the application sees
 * the documented API only: `readyState`, `send`, `ping`, `close`, `respond`, what only the socket
 * knows (`bufferedAmount`, `destroy()`), and the byte observer of the demo's frame log. Feeding
 * bytes and reporting the TCP close stay with the socket glue (server.ts), which builds it.
 */
import type * as net from 'node:net';
import { CloseCode } from '../../core/close-code.ts';
import { ReadyState } from '../../core/ready-state.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { FlowControl, FlowLimits } from '@impl/09-backpressure/flow-control.ts';
import type { Connection } from './connection.ts';
import { slowConsumerAction } from './layers.ts';
import type { DeadlineTimer } from './timeouts.ts';

/** Which way bytes went: `in` from the client, `out` to it. */
export type Direction = 'in' | 'out';

/** Sees every chunk a connection reads or writes, as is (the demo's frame log): read, never modify. */
export type ByteTap = (direction: Direction, bytes: Uint8Array) => void;

/** What the glue keeps for one socket, shared by the glue and the handle. */
export interface Link {
  readonly socket: net.Socket;
  readonly connection: Connection;
  readonly limits: FlowLimits;
  readonly flow: FlowControl;
  readonly timer: DeadlineTimer;
  /** The byte observer, if any. */
  tap: ByteTap | null;
}

let lastConnectionId = 0;

/** One connection, as the application sees it. */
export class SocketConnection {
  /** A number unique within this process, for logs. */
  readonly id = ++lastConnectionId;

  constructor(private readonly link: Link) {}

  /** CONNECTING, OPEN, CLOSING or CLOSED. */
  get readyState(): ReadyState {
    return this.link.connection.readyState;
  }

  /** Bytes written to the socket and not yet handed to the kernel (`socket.writableLength`). */
  get bufferedAmount(): number {
    return this.link.socket.writableLength;
  }

  /** Bytes of received messages whose handler has not settled yet (chapter 09). */
  get pendingBytes(): number {
    return this.link.flow.pendingBytes;
  }

  /**
   * Sends a text (string) or binary message if the connection is OPEN and the slow-consumer policy
   * lets it through (chapter 09): past `maxBufferedAmount` queued, the message is skipped or the
   * connection is closed with 1008. False when the message was not queued. `binary` as in
   * `Connection.send`: text for a string, binary for bytes, by default.
   */
  send(data: string | Uint8Array, binary = typeof data !== 'string'): boolean {
    const { connection, socket, limits } = this.link;
    if (connection.readyState !== ReadyState.OPEN) return false;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const decision = slowConsumerAction(socket.writableLength, length, limits);
    if (decision === 'close') this.close(CloseCode.PolicyViolation, 'slow consumer: too much data queued');
    if (decision !== 'send') return false;
    return connection.send(data, binary);
  }

  /** Sends a ping (payload up to 125 bytes). False if the connection is not OPEN. */
  ping(payload?: Uint8Array): boolean {
    return this.link.connection.ping(payload);
  }

  /** Starts the closing handshake (RFC 6455 §7.1.2); the close timeout starts with it. */
  close(code?: number, reason?: string): void {
    this.link.connection.close(code, reason);
    this.link.timer.arm();
  }

  /** Answers a plain HTTP request (a `request` event), then closes the TCP connection. */
  respond(response: HttpResponse): void {
    this.link.connection.respond(response);
  }

  /** Drops the TCP connection now, without a closing handshake. */
  destroy(): void {
    this.link.socket.destroy();
  }

  /** Observes every chunk read or written from now on (the demo's frame log); `null` stops. */
  observe(tap: ByteTap | null): void {
    this.link.tap = tap;
  }
}
