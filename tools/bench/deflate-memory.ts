/**
 * Memory per idle compressed connection (chapter 13): the reference server or the `ws` package,
 * with context takeover, without it, and with 9-bit windows and memLevel 1. N clients (another
 * process) each send two 3 KiB JSON messages and stay open; the server process's RSS growth is
 * divided by N. One mode per run, so each measures a fresh process:
 *
 *   node --expose-gc --import tsx tools/bench/deflate-memory.ts takeover|no-takeover|window-9|ws-takeover|ws-no-takeover|ws-window-9 [N]
 */
import { fork } from 'node:child_process';
import { WebSocketServer as WsServer } from 'ws';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/wiring/server.ts';
const [mode, nText] = process.argv.slice(2);
const n = Number(nText ?? 500);
const settle = async () => { for (let i = 0; i < 3; i++) { (globalThis as any).gc?.(); await new Promise((r) => setTimeout(r, 100)); } };
let port: number; let close: () => Promise<void> | void;
const options: Record<string, object> = {
  takeover: {}, 'no-takeover': { serverNoContextTakeover: true, clientNoContextTakeover: true },
  'window-9': { serverMaxWindowBits: 9, clientMaxWindowBits: 9, memLevel: 1 },
};
if (mode.startsWith('ws')) {
  const pmd = mode === 'ws-takeover' ? { threshold: 0 } : mode === 'ws-no-takeover' ? { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true } : { threshold: 0, serverMaxWindowBits: 9, clientMaxWindowBits: 9, zlibDeflateOptions: { memLevel: 1 } };
  const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: pmd });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (s) => s.on('message', (d, b) => s.send(d, { binary: b })));
  port = (wss.address() as any).port; close = () => wss.close();
} else {
  const s = await startServer({ perMessageDeflate: { threshold: 0, ...options[mode] } });
  port = s.port; close = () => s.close();
}
await settle();
const before = process.memoryUsage().rss;
const child = fork(fileURLToPath(new URL('./deflate-clients.mjs', import.meta.url)), [String(port), String(n)]);
await new Promise((r) => child.once('message', r));
await settle();
const after = process.memoryUsage().rss;
console.log(`${mode}\t${n}\t${((after - before) / n / 1024).toFixed(1)} KiB/conn`);
child.send('bye'); await new Promise((r) => child.once('exit', r)); await close(); process.exit(0);
