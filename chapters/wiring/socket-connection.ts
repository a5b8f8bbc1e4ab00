/**
 * What the application gets for one connection: the sans-I/O {@link Connection} bound to its socket,
 * with what only the socket knows. The socket glue (server.ts) builds it.
 */
import type * as net from 'node:net';
import { ReadyState } from '../06-closing/closing-handshake.ts';
import type { FlowControl, FlowLimits, SendDecision } from '../09-backpressure/flow-control.ts';
import { slowConsumerAction } from '../09-backpressure/flow-control.ts';
import { CloseCode } from './close-code.ts';
import type { ConnectionOptions, ConnectionSink } from './connection.ts';
import { Connection } from './connection.ts';
import { withStandIn } from './layers.ts';

/** Which way bytes went: `in` from the client, `out` to it. */
export type Direction = 'in' | 'out';

/** Sees every chunk a connection reads or writes, as is (the demo's frame log): read, never modify. */
export type ByteTap = (direction: Direction, bytes: Uint8Array) => void;

/** What the glue keeps for one socket, shared by its sink and its connection. */
export interface Link {
  readonly socket: net.Socket;
  readonly limits: FlowLimits;
  readonly flow: FlowControl;
  /** The byte observer, if any. */
  tap: ByteTap | null;
}

let lastConnectionId = 0;

/**
 * A {@link Connection} bound to a socket: what the application gets. It adds what only the socket
 * knows (`bufferedAmount`, `destroy()`), and its `send` applies chapter 09's slow-consumer policy.
 */
export class SocketConnection extends Connection {
  /** A number unique within this process, for logs. */
  readonly id = ++lastConnectionId;

  constructor(
    private readonly link: Link,
    sink: ConnectionSink,
    options: ConnectionOptions,
  ) {
    super(sink, options);
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
   * connection is closed with 1008. False when the message was not queued.
   */
  override send(data: string | Uint8Array): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const decision = withStandIn(
      () => slowConsumerAction(this.link.socket.writableLength, length, this.link.limits),
      (): SendDecision => 'send',
      MEANWHILE_NO_LIMIT,
    );
    if (decision === 'close') this.close(CloseCode.PolicyViolation, 'slow consumer: too much data queued');
    if (decision !== 'send') return false;
    return super.send(data);
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

const MEANWHILE_NO_LIMIT = 'every message is queued for a client, however far behind it is';
