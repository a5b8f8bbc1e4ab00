/**
 * What a connection says to the world: events for the application, bytes and "close now" for the
 * socket glue. The connection itself never touches a socket or a timer (see connection.ts).
 */
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { Message } from '@impl/07-messages/assembler.ts';

/** What a connection tells its application. */
export type ConnectionEvent =
  /** A request that is not an upgrade: answer it with `Connection.respond`. */
  | { readonly type: 'request'; readonly head: RequestHead; readonly path: string }
  /** The 101 is written: the connection is OPEN. */
  | { readonly type: 'open'; readonly head: RequestHead; readonly path: string; readonly protocol: string | null }
  | { readonly type: 'message'; readonly message: Message }
  | { readonly type: 'ping'; readonly payload: Uint8Array }
  | { readonly type: 'pong'; readonly payload: Uint8Array }
  /** Our close frame is written: the peer's answer is awaited (or it already came). */
  | { readonly type: 'closing'; readonly code: number; readonly reason: string }
  /** The peer's close frame arrived (it started the closing handshake, or answered ours). */
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  /** The TCP connection is gone. `wasClean`: both close frames were exchanged; else code is 1006. */
  | { readonly type: 'closed'; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  /** Something failed the connection (logged by the server; the peer got a 4xx or a close frame). */
  | { readonly type: 'error'; readonly error: Error };

/** Where a connection's output goes. The socket glue implements it; tests collect it in arrays. */
export interface ConnectionSink {
  /** Bytes to send to the peer, in order (one frame may be several chunks: header, payload). */
  write(chunks: readonly Uint8Array[]): void;
  /** Close the TCP connection once everything written so far is sent. */
  end(): void;
  /** Drop the TCP connection now, unsent bytes discarded: the peer let a deadline pass. */
  destroy(reason: string): void;
  /** Tell the application. */
  emit(event: ConnectionEvent): void;
}
