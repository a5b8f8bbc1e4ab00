/**
 * `npm run client` in a pipe, as the users run it: `echo hello | npm run client -- URL`.
 * The command is spawned as a child process running the tree under test (`--impl`), with "hello\n"
 * on stdin and then EOF; what it prints and its exit status are checked against each real server
 * of peers.ts, against servers that refuse the handshake, and against a port where nothing listens.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serve } from '../../server/demo/demo-server.ts';
import { afterThisTest } from '../interop/servers.ts';
import { PEER_KINDS, startPeer } from './peers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The tree the tests run (vitest.config.ts reads the same variable). */
const tree = path.resolve(root, process.env.WORKBOOK_IMPL ?? 'solutions');
/** Starting tsx and the client takes a second or two; a loaded machine may need several. */
const COMMAND_TIMEOUT_MS = 20_000;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run client -- <args>` (node --import tsx tools/client.ts) with `input` on stdin, then EOF. */
function runClient(args: readonly string[], input: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/client.ts', ...args, '--impl', tree], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm run client -- ${args.join(' ')} did not exit within ${COMMAND_TIMEOUT_MS} ms after stdin ended\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const shown = (run: Run): string => `exit ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

/** A plain HTTP server that answers every request, upgrade or not, with `status` and a short body. */
async function plainHttp(status: number, body: string): Promise<number> {
  const answer = (socket: net.Socket): void => {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  const server = http.createServer((_request, response) => response.writeHead(status, { 'Content-Type': 'text/plain' }).end(body));
  server.on('upgrade', (_request, socket: net.Socket) => answer(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterThisTest(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

/** A port that was free a moment ago: nothing listens on it. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(PEER_KINDS)('echo hello | npm run client -- ws://… (a %s server)', (kind) => {
  it('prints "< hello" back and exits 0 after a clean close (RFC 6455 §7.1.2)', async () => {
    const peer = await startPeer(kind);
    const run = await runClient([peer.url], 'hello\n');
    expect(run.stdout.split('\n'), shown(run)).toContain('< hello');
    expect(run.stderr, shown(run)).toContain('closed: 1000');
    expect(run.status, shown(run)).toBe(0);
    expect(await peer.nextClose(), 'the server saw the client close with 1000').toMatchObject({ code: 1000 });
  }, COMMAND_TIMEOUT_MS + 5000);
});

describe('npm run client: a refused handshake or no server (RFC 6455 §4.1)', () => {
  it('a 401 from the reference server (a token is required) exits 1, naming the status', async () => {
    const server = await serve({ port: 0, host: '127.0.0.1', server: 'node-http', policy: { token: 'sesame' } });
    afterThisTest(() => server.close());
    const run = await runClient([`ws://127.0.0.1:${server.port}/`], 'hello\n');
    expect(run.status, shown(run)).toBe(1);
    expect(run.stderr, shown(run)).toMatch(/handshake failed: .*401/);
    expect(run.stdout, 'nothing was received, so nothing is printed on stdout').toBe('');
  }, COMMAND_TIMEOUT_MS + 5000);

  it('a 404 from a plain HTTP server exits 1, naming the status and the body', async () => {
    const port = await plainHttp(404, 'no WebSocket here');
    const run = await runClient([`ws://127.0.0.1:${port}/missing`], 'hello\n');
    expect(run.status, shown(run)).toBe(1);
    expect(run.stderr, shown(run)).toMatch(/handshake failed: .*404.*no WebSocket here/);
  }, COMMAND_TIMEOUT_MS + 5000);

  it('a port where nothing listens exits 1 with "nothing listens there"', async () => {
    const port = await unusedPort();
    const run = await runClient([`ws://127.0.0.1:${port}/`], 'hello\n');
    expect(run.status, shown(run)).toBe(1);
    expect(run.stderr, shown(run)).toContain(`cannot connect to ws://127.0.0.1:${port}/: nothing listens there`);
  }, COMMAND_TIMEOUT_MS + 5000);
});
