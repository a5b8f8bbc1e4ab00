/**
 * The `ws` package as an echo server, for comparison. Started by the bench runner as its own
 * process; prints its port on stdout.
 *
 * `WS_NO_BUFFER_UTIL=1` (set by the runner for the "pure JS" variant) makes ws mask and unmask in
 * JavaScript instead of with the bufferutil addon. `WS_NO_UTF_8_VALIDATE=1` is set too, but on
 * Node ≥ 18.14 ws validates UTF-8 with Node's own `buffer.isUtf8` (C++) either way.
 */
import { WebSocketServer } from 'ws';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
server.on('connection', (socket) => {
  // The usual ws echo: the message comes as a Buffer (text is validated, not decoded) and goes
  // back with the same type.
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
  socket.on('error', () => {});
});
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(address.port);
});
