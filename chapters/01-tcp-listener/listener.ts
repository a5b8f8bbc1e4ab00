/**
 * Chapter 01: the TCP listener, the only place that accepts sockets.
 *
 * A WebSocket connection starts life as a plain TCP connection. The listener accepts sockets and
 * gives each one its own handler, fed every chunk the socket reads, in order. Everything above this
 * layer (HTTP, frames, messages) is bytes in, bytes out; this layer owns the sockets.
 *
 * Two promises matter more than anything else here: a socket that errors (a client that resets
 * mid-stream, ECONNRESET) or a handler that throws affects that one socket only, never the server;
 * and `close()` resolves only once every socket is gone, so a test or a shutdown never leaks one.
 */
import * as net from 'node:net';
import { todo } from '../../core/errors.ts';

/** Whoever handles one accepted socket: fed the bytes it reads, told once when it is gone. */
export interface ConnectionHandler {
  /** Bytes just read from the socket, in arrival order. */
  receive(bytes: Uint8Array): void;
  /** The socket is closed, for whatever reason; called exactly once. `error` if it died of one. */
  closed(error?: Error): void;
}

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it back from {@link Listener.port}). */
  port: number;
  /** Interface to bind, default `127.0.0.1`. */
  host?: string;
}

export interface Listener {
  /** The port actually bound. */
  readonly port: number;
  /** The host actually bound. */
  readonly host: string;
  /** How many sockets are open right now. */
  readonly connections: number;
  /** Stops accepting, destroys every open socket, resolves once all of them are closed. */
  close(): Promise<void>;
}

/**
 * Listens on `options.host:options.port` and calls `accept(socket)` for every new socket to get
 * its handler. Resolves once the server is listening; rejects if it cannot bind.
 */
export function listen(
  options: ListenOptions,
  accept: (socket: net.Socket) => ConnectionHandler,
): Promise<Listener> {
  // TODO (see the chapter's README)
  return todo('chapters/01-tcp-listener/listener.ts', 'listen: a net.Server that feeds each socket\'s data to its handler and survives socket errors');
}
