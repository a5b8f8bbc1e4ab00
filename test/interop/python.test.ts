/**
 * Interoperability: Python's `websockets` client (Debian: `apt-get install python3-websockets`)
 * against the reference server. Skipped, with the reason, when no `python3` here can import it.
 *
 * One Python script runs every exchange and prints one JSON line per result; the server side is in
 * this process, so a shutdown can be triggered when the script says it is waiting for one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketServer } from '../../server/app/websocket-server.ts';
import { createWebSocketServer } from '../../server/app/websocket-server.ts';
import type { RunningServer } from '../../server/demo/demo-server.ts';
import { serve } from '../../server/demo/demo-server.ts';

/** The first Python 3 that can import websockets, or why none can. */
function findPython(): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const check = spawnSync(python, ['-c', 'import websockets, sys; print(websockets.__version__)'], { encoding: 'utf8' });
    if (check.status === 0) return { python };
    tried.push(`${python}: ${check.error ? 'not found' : (check.stderr.trim().split('\n').pop() ?? 'failed')}`);
  }
  return { reason: `no python3 with the websockets package (${tried.join('; ')}); apt-get install python3-websockets` };
}

const found = findPython();
const python = 'python' in found ? found.python : null;
const skipReason = 'reason' in found ? ` (skipped: ${found.reason})` : '';

const SCRIPT = String.raw`
import asyncio, json, sys
import websockets

echo_port, app_port, shutdown_port = sys.argv[1:4]

def report(name, value):
    print(json.dumps({"name": name, "value": value}), flush=True)

async def main():
    async with websockets.connect("ws://127.0.0.1:%s/chat" % echo_port, subprotocols=["superchat", "chat"]) as ws:
        report("subprotocol", ws.subprotocol)
    async with websockets.connect("ws://127.0.0.1:%s/echo" % echo_port, max_size=None) as ws:
        await ws.send("héllo from python")
        report("text", await ws.recv())
        await ws.send(bytes([0, 1, 2, 254, 255]))
        report("binary", list(await ws.recv()))
        await ws.send(["frag", "men", "ted"])  # one text message in three frames
        report("fragmented", await ws.recv())
        big = bytes(range(256)) * 4096
        await ws.send(big)
        report("big", (await ws.recv()) == big)
        pong = await ws.ping(b"ping from python")
        await asyncio.wait_for(pong, 2)
        report("pong", True)
        await ws.close(1000, "done")
        report("client close", [ws.close_code, ws.close_reason])
    async with websockets.connect("ws://127.0.0.1:%s/" % app_port) as ws:
        await ws.send("bye?")
        try:
            await asyncio.wait_for(ws.recv(), 2)
        except websockets.ConnectionClosed:
            pass
        report("app close", [ws.close_code, ws.close_reason])
    async with websockets.connect("ws://127.0.0.1:%s/echo" % shutdown_port) as ws:
        report("waiting for shutdown", True)
        try:
            await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed:
            pass
        report("shutdown close", [ws.close_code, ws.close_reason])

asyncio.run(main())
`;

describe.skipIf(python === null)(`Python websockets client ↔ reference server${skipReason}`, () => {
  const results = new Map<string, unknown>();
  let stderr = '';
  let echo: RunningServer;
  let app: WebSocketServer;
  let shutdown: RunningServer;
  let shutdownClosed = false;

  beforeAll(async () => {
    echo = await serve({ port: 0, host: '127.0.0.1' });
    shutdown = await serve({ port: 0, host: '127.0.0.1' });
    app = await createWebSocketServer({ port: 0, host: '127.0.0.1' });
    app.on('connection', (socket) => socket.on('message', () => socket.close(4000, 'app says bye')));

    const child = spawn(python!, ['-c', SCRIPT, String(echo.port), String(app.port), String(shutdown.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const { name, value } = JSON.parse(line) as { name: string; value: unknown };
      results.set(name, value);
      if (name === 'waiting for shutdown') {
        shutdownClosed = true;
        void shutdown.close();
      }
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the Python client did not finish within 8 s; stderr:\n${stderr}`));
      }, 8000);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }, 10_000);

  afterAll(async () => {
    await echo?.close();
    await app?.close({ timeout: 100 });
    if (!shutdownClosed) await shutdown?.close();
  });

  const result = (name: string): unknown => {
    if (!results.has(name)) throw new Error(`the Python client reported no '${name}'; its stderr:\n${stderr || '(empty)'}`);
    return results.get(name);
  };

  it("chooses the subprotocol 'chat'", () => {
    expect(result('subprotocol')).toBe('chat');
  });

  it('echoes text and binary', () => {
    expect(result('text')).toBe('héllo from python');
    expect(result('binary')).toEqual([0, 1, 2, 254, 255]);
  });

  it('reassembles a message Python sends in three fragments (RFC 6455 §5.4)', () => {
    expect(result('fragmented')).toBe('fragmented');
  });

  it('echoes a 1 MiB binary message byte for byte', () => {
    expect(result('big')).toBe(true);
  });

  it("answers Python's ping with a pong (RFC 6455 §5.5.2)", () => {
    expect(result('pong')).toBe(true);
  });

  it("answers Python's close(1000) with 1000", () => {
    expect(result('client close')).toEqual([1000, '']);
  });

  it('an application close(4000, reason) reaches Python as 4000 and the reason', () => {
    expect(result('app close')).toEqual([4000, 'app says bye']);
  });

  it('a server shutdown reaches Python as 1001 Going Away', () => {
    expect(result('shutdown close')).toEqual([1001, 'server shutting down']);
  });
});
