/**
 * The socket glue: the only place where a Connection meets a real socket.
 *
 * Chapter 01's listener accepts sockets; for each one this module builds a {@link Connection} and
 * a sink that writes its output to the socket (header and payload corked into one TCP segment),
 * closes the socket when told, and hands the events to the application.
 */
import type * as net from 'node:net';
import type { ConnectionHandler } from '../01-tcp-listener/listener.ts';
import { listen } from '../01-tcp-listener/listener.ts';
import type { ConnectionEvent, ConnectionOptions } from './connection.ts';
import { Connection } from './connection.ts';
import type { TimeoutOptions } from './timeouts.ts';
import { startTimers } from './timeouts.ts';

export interface ServerOptions extends ConnectionOptions, TimeoutOptions {
  /** TCP port (0 = any free one). */
  readonly port?: number;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The application: told every event of every connection. Default: {@link echoApp}. */
  readonly app?: (connection: Connection, event: ConnectionEvent) => void;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Echo every message back as it came; answer a plain HTTP request with 426. */
export function echoApp(connection: Connection, event: ConnectionEvent): void {
  if (event.type === 'message') connection.send(event.message.data);
  if (event.type === 'request') {
    connection.respond({
      status: 426,
      headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'This is a WebSocket endpoint: connect with a WebSocket client.\n',
    });
  }
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const app = options.app ?? echoApp;
  const listener = await listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }, (socket) =>
    attach(socket, options, app),
  );
  return { port: listener.port, host: listener.host, close: () => listener.close() };
}

function attach(
  socket: net.Socket,
  options: ServerOptions,
  app: (connection: Connection, event: ConnectionEvent) => void,
): ConnectionHandler {
  socket.setNoDelay(true);
  const timers = startTimers(options, {
    ping: () => connection.ping(),
    drop: () => socket.destroy(),
  });
  const connection: Connection = new Connection(
    {
      write(chunks) {
        if (socket.destroyed) return;
        socket.cork();
        for (const chunk of chunks) socket.write(chunk);
        socket.uncork();
      },
      end() {
        socket.end();
      },
      emit(event) {
        if (event.type === 'open') timers.opened();
        if (event.type === 'closing') timers.closing();
        app(connection, event);
      },
    },
    options,
  );
  return {
    receive: (bytes) => {
      timers.activity();
      connection.receive(bytes);
    },
    closed: () => {
      timers.stop();
      connection.transportClosed();
    },
  };
}
