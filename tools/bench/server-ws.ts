/**
 * The `ws` package as an echo server, for comparison. Started by the bench runner as its own
 * process; prints how it masks (`masking: …`), then its port, on stdout.
 *
 * `WS_NO_BUFFER_UTIL=1` (set by the runner for the "pure JS" variant) makes ws mask and unmask in
 * JavaScript instead of with the bufferutil addon. `WS_NO_UTF_8_VALIDATE=1` is set too, but on
 * Node ≥ 18.14 ws validates UTF-8 with Node's own `buffer.isUtf8` (C++) either way.
 *
 * bufferutil's own entry point falls back to JavaScript when its compiled addon does not load (no
 * prebuilt binary for the platform, install scripts skipped), without a word. So the masking line
 * says which one ws got, and the runner warns when "ws + bufferutil" is pure JavaScript after all.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { wsDeflate } from './deflate-settings.ts';

/** Which masking ws uses in this process, decided as ws decides it (ws/lib/buffer-util.js). */
function masking(): string {
  // Newer Node versions export the masking loop from node:http, and ws prefers it to anything.
  if (typeof (http as unknown as Record<string, unknown>)['websocketMask'] === 'function') return 'native (node:http websocketMask)';
  if (process.env['WS_NO_BUFFER_UTIL']) return 'JavaScript (WS_NO_BUFFER_UTIL)';
  try {
    const bufferUtil = createRequire(import.meta.url)('bufferutil') as { mask: (...args: unknown[]) => void };
    // A compiled addon's functions print as native code; the fallback's are JavaScript source.
    if (String(bufferUtil.mask).includes('[native code]')) return 'native (bufferutil addon)';
    return "JavaScript (bufferutil's fallback: its addon did not load)";
  } catch {
    return 'JavaScript (bufferutil is not installed)';
  }
}

// permessage-deflate is off, except in the compressed scenarios (deflate-settings.ts).
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: wsDeflate() });
server.on('connection', (socket) => {
  // The usual ws echo: the message comes as a Buffer (text is validated, not decoded) and goes
  // back with the same type.
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
  socket.on('error', () => {});
});
server.on('listening', () => {
  const address = server.address();
  console.log(`masking: ${masking()}`);
  if (typeof address === 'object' && address !== null) console.log(address.port);
});
