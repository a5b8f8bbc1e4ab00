/**
 * Loopback ports for tests that start a real server of their own (redis-server, nginx, a room):
 * a port the kernel says is free, and a probe that says whether something accepts connections.
 */
import { once } from 'node:events';
import net from 'node:net';

/** A port nothing listens on right now (the kernel's pick for port 0). */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Whether something accepts a TCP connection on 127.0.0.1:`port` now (the probe closes at once). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
