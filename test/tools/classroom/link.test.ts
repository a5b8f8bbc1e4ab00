/**
 * The runner's link to a room that cannot be reached: the runner works as before and says so once.
 *
 * Two kinds of unreachable: nothing listens on the port (the connection is refused at once), and a
 * black hole that accepts TCP and never answers the handshake (a room on a frozen laptop). Neither
 * may block or slow the learner's run: the table comes out as without a room, watch mode reruns on
 * every save, and at exit the runner waits at most its bounded second for the link.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendeeTree, HALF_BETA, removeScratchCopy, runOnce, Runner, solve } from './helpers.ts';

const NOTICE = 'cannot be reached';
let tree: string;
let blackHole: net.Server;
const held = new Set<net.Socket>();
let accepted = 0;

/** A port with nothing listening on it: one the system gave out and took back. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function join(url: string): Promise<void> {
  const joined = await runOnce(tree, ['join', url, '--name', 'Ada', '--token', 'any']);
  expect(joined.code, joined.stderr).toBe(0);
}

beforeAll(async () => {
  tree = attendeeTree(2);
  fs.writeFileSync(path.join(tree, 'chapters/02-beta/beta.ts'), HALF_BETA);
  blackHole = net.createServer((socket) => {
    accepted++;
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  if (tree) removeScratchCopy(tree);
});

describe('a room nobody listens at', () => {
  it('`npm start -- status` prints its table as usual and says so once', async () => {
    await join(`ws://127.0.0.1:${await closedPort()}`);
    const { code, stdout } = await runOnce(tree, ['status']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/01\s+Alpha: adding\s+✓ passed \(2 tests\)/);
    expect(stdout).toMatch(/02\s+Beta: multiplying\s+✗ failing 1 of 3 tests/);
    expect(stdout.split(NOTICE).length - 1, stdout).toBe(1);
    expect(stdout).toContain('the runner works as usual');
  }, 90_000);

  it('watch mode reruns on every save, and says so once, not at every retry', async () => {
    const watch = new Runner(tree, ['watch', '2']);
    try {
      await watch.waitFor('keys: q quit · h next hint · r rerun');
      // The link retries in the background (1 s, then 2 s …) while the learner saves.
      fs.writeFileSync(path.join(tree, 'chapters/02-beta/beta.ts'), `${HALF_BETA}\n`);
      await watch.waitFor('1 of 3 tests failing', 2);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      solve(tree, '02');
      await watch.waitFor('✓ Chapter 02 passes');
      expect(watch.count(NOTICE), watch.stdout).toBe(1);
    } finally {
      await watch.stop();
    }
  }, 120_000);
});

describe('a room that accepts and never answers', () => {
  it('costs the runner at most its bounded second at exit, after everything is printed', async () => {
    // Chapters 01 and 02 pass now and every result is kept: the run itself is quick, the link is all that could hold it up.
    const { port } = blackHole.address() as net.AddressInfo;
    await join(`ws://127.0.0.1:${port}`);
    const status = new Runner(tree, ['status']);
    const printed = await status.waitFor('What fails and why: npm start -- check 03');
    const code = await status.exited;
    const afterOutput = performance.now() - printed;
    expect(code).toBe(0);
    expect(accepted, 'the runner did connect to the black hole').toBeGreaterThan(0);
    expect(status.stdout).toMatch(/02\s+Beta: multiplying\s+✓ passed \(3 tests\)/);
    // finish(1000) in tools/runner/main.ts, plus the process's own exit on a loaded machine.
    expect(afterOutput).toBeLessThan(1800);
  }, 90_000);
});
