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
  // @solution listen: a net.Server that feeds each socket's data to its handler and survives socket errors
  const host = options.host ?? '127.0.0.1';
  /** Every open socket; each one leaves when it emits 'close'. */
  const open = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    open.add(socket);
    serveSocket(socket, accept, open);
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (() => {
      // 1. Stop accepting. server.close's callback only says the listening socket is closed and no
      //    connection is counted any more: on Node 20 it can run before the accepted sockets have
      //    emitted 'close' (and so before their handlers heard closed()). It is one of two waits.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // 2. Close what is open. destroy() sends no goodbye; a polite shutdown (close frames with
      //    1001) is the connection's job before it gets here. destroy() only starts closing: the
      //    socket is gone when it emits 'close', which is what each promise below waits for.
      //    The promise of each socket's 'close' is made now, not per socket while it lives: an idle
      //    connection then holds no promise and no extra listener.
      const gone = [...open].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
      for (const socket of open) socket.destroy();
      // 3. Closed means both: the server stopped and every socket emitted 'close'.
      return Promise.all([stopped, ...gone]).then(() => undefined);
    })();
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      // After listening, a server error (rare: e.g. EMFILE on accept) must not crash the process.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        host: address.address,
        get connections() {
          return open.size;
        },
        close,
      });
    });
  });
  // @end
}
// @remove

/**
 * Wires one socket to its handler. Whatever happens on this socket (a reset, a handler that throws)
 * ends this socket only: an 'error' event without a listener would crash the whole process.
 */
function serveSocket(socket: net.Socket, accept: (socket: net.Socket) => ConnectionHandler, open: Set<net.Socket>): void {
  let failure: Error | undefined;
  // 1. ECONNRESET, EPIPE …: remember it; 'close' always follows and reports it.
  socket.on('error', (error) => {
    failure ??= error;
  });
  let handler: ConnectionHandler;
  try {
    handler = accept(socket);
  } catch {
    // No handler, nobody to feed: this connection cannot be served.
    socket.on('close', () => open.delete(socket));
    socket.destroy();
    return;
  }
  // 2. Every chunk, in order. A handler that throws loses its socket, nobody else's.
  socket.on('data', (chunk: Buffer) => {
    try {
      handler.receive(chunk);
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
      socket.destroy();
    }
  });
  // 3. Exactly once, however the socket ended ('close' is emitted once, so `on` is enough: `once`
  //    would wrap the listener in two more objects per socket).
  socket.on('close', () => {
    open.delete(socket);
    try {
      handler.closed(failure);
    } catch {
      // The socket is already gone; there is nothing left to protect.
    }
  });
}
// @end
