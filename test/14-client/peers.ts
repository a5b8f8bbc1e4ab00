/**
 * The servers chapter 14's client is tried against: the workbook's own reference server, the `ws`
 * package's server, and Python's `websockets` server (Debian: python3-websockets), each started on
 * loopback for one test and stopped after it.
 *
 * All three run the same small script, so one set of tests covers them all. A message is echoed as
 * it came (text as text, binary as binary), except two text commands:
 *
 *   `ping:<payload>`        the server pings with <payload>; once the pong is back it sends
 *                           `pong:<payload>` (so the test knows the server saw the client's pong)
 *   `close:<code>:<reason>` the server starts the closing handshake with that code and reason
 *
 * Every peer records the close code and reason it saw for each connection ({@link EchoPeer.nextClose}).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WebSocketServer as WsServer } from 'ws';
import { afterThisTest, appServer } from '../interop/servers.ts';

export const PEER_KINDS = ['reference', 'ws', 'python-websockets'] as const;
export type PeerKind = (typeof PEER_KINDS)[number];

/** How a connection ended, as the server saw it. */
export interface ServerSawClose {
  readonly code: number;
  readonly reason: string;
}

export interface EchoPeer {
  readonly kind: PeerKind;
  /** `ws://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The close the server sees next (or saw already and nobody asked for yet). */
  nextClose(): Promise<ServerSawClose>;
}

/** Starts a server of `kind` running the script above; it is stopped after the current test. */
export function startPeer(kind: PeerKind): Promise<EchoPeer> {
  switch (kind) {
    case 'reference':
      return startReference();
    case 'ws':
      return startWs();
    case 'python-websockets':
      return startPython();
    default: {
      const unknown: never = kind;
      throw new Error(`unknown peer ${String(unknown)}`);
    }
  }
}

/** Closes seen by a server, handed out in order to whoever waits for them. */
class CloseLog {
  private readonly seen: ServerSawClose[] = [];
  private readonly waiting: ((close: ServerSawClose) => void)[] = [];

  record(close: ServerSawClose): void {
    const waiter = this.waiting.shift();
    if (waiter === undefined) this.seen.push(close);
    else waiter(close);
  }

  next(): Promise<ServerSawClose> {
    const close = this.seen.shift();
    if (close !== undefined) return Promise.resolve(close);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/** What the script needs of a server-side socket: the reference's and ws's have the same shape. */
interface ServerSide {
  send(data: string | Uint8Array): unknown;
  ping(data: Uint8Array): unknown;
  close(code: number, reason: string): unknown;
  once(event: 'pong', listener: (payload: Uint8Array) => void): unknown;
}

/** The script for one message (see the module comment). */
function act(socket: ServerSide, data: string | Uint8Array, isBinary: boolean): void {
  if (!isBinary && typeof data === 'string' && data.startsWith('ping:')) {
    const payload = data.slice('ping:'.length);
    socket.once('pong', (received) => socket.send(`pong:${Buffer.from(received).toString()}`));
    socket.ping(Buffer.from(payload));
  } else if (!isBinary && typeof data === 'string' && data.startsWith('close:')) {
    const [, code = '', reason = ''] = /^close:(\d+):(.*)$/s.exec(data) ?? [];
    socket.close(Number(code), reason);
  } else {
    socket.send(data);
  }
}

async function startReference(): Promise<EchoPeer> {
  const closes = new CloseLog();
  const server = await appServer((socket) => {
    socket.on('message', (data, isBinary) => act(socket, data, isBinary));
    socket.on('close', (code, reason) => closes.record({ code, reason }));
  });
  return { kind: 'reference', url: `ws://127.0.0.1:${server.port}/`, nextClose: () => closes.next() };
}

async function startWs(): Promise<EchoPeer> {
  const closes = new CloseLog();
  const server = new WsServer({ port: 0, host: '127.0.0.1' });
  afterThisTest(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => act(socket, isBinary ? (data as Buffer) : String(data), isBinary));
    socket.on('close', (code, reason) => closes.record({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as { port: number };
  return { kind: 'ws', url: `ws://127.0.0.1:${port}/`, nextClose: () => closes.next() };
}

/** Debian's python3 (the pyenv one on PATH may lack the package). */
const PYTHON = '/usr/bin/python3';

// Prints {"port": N} once listening, then {"close": [code, reason]} as each connection ends.
const PYTHON_SCRIPT = String.raw`
import asyncio, json, sys
import websockets

def report(**fields):
    print(json.dumps(fields), flush=True)

async def handler(ws, path=None):
    try:
        async for message in ws:
            if isinstance(message, str) and message.startswith("ping:"):
                payload = message[len("ping:"):]
                await (await ws.ping(payload.encode()))
                await ws.send("pong:" + payload)
            elif isinstance(message, str) and message.startswith("close:"):
                _, code, reason = message.split(":", 2)
                await ws.close(int(code), reason)
            else:
                await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    await ws.wait_closed()
    report(close=[ws.close_code, ws.close_reason])

async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None) as server:
        report(port=server.sockets[0].getsockname()[1])
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
`;

/** Throws, naming the Debian package, when Debian's python3 cannot import websockets. */
export function requirePythonWebsockets(): void {
  const check = spawnSync(PYTHON, ['-c', 'import websockets'], { encoding: 'utf8' });
  if (check.error !== undefined || check.status !== 0) {
    const why = check.error?.message ?? check.stderr.trim().split('\n').pop();
    throw new Error(`${PYTHON} cannot import websockets (${why}): apt-get update && apt-get install -y python3-websockets`);
  }
}

async function startPython(): Promise<EchoPeer> {
  requirePythonWebsockets();
  const closes = new CloseLog();
  // stdin stays open while the test runs: the script ends when it closes (or is killed).
  const child = spawn(PYTHON, ['-c', PYTHON_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  afterThisTest(() => {
    child.kill();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the python-websockets server did not listen within 8 s; stderr:\n${stderr}`)), 8000);
    child.once('exit', (code) => reject(new Error(`the python-websockets server exited (${code}); stderr:\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const report = JSON.parse(line) as { port?: number; close?: [number | null, string | null] };
      if (report.port !== undefined) {
        clearTimeout(timer);
        resolve(report.port);
      }
      if (report.close !== undefined) closes.record({ code: report.close[0] ?? 1005, reason: report.close[1] ?? '' });
    });
  });
  return { kind: 'python-websockets', url: `ws://127.0.0.1:${port}/`, nextClose: () => closes.next() };
}
