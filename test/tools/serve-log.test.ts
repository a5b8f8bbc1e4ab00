/**
 * `npm run serve`'s log (tools/serve.ts, server/demo/connection-log.ts): the command runs as a
 * learner runs it, on port 0, and real clients (`ws`, and the toolkit's raw client for what `ws`
 * will not send) talk to it. Each connection gets a short line when it opens, when it is answered
 * (101 or a refusal, RFC 6455 §4.2.2) and when it closes, with the code, the reason and who closed
 * (§7.1.2–§7.1.5); frames are listed only with `--log frames`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RawClient, openWebSocket } from '../../tools/wire/raw-client.ts';
import { upgradeRequest } from '../../tools/wire/handshake.ts';
import { text } from '../../tools/wire/frame-encoder.ts';

const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
/** How long a line may take to appear: generous, for a loaded 2-core machine. */
const WAIT_MS = 15_000;

interface Serve {
  readonly port: number;
  readonly lines: string[];
  /** Resolves with the first line matching `pattern`, or fails quoting every line printed. */
  waitFor(pattern: RegExp, what: string): Promise<string>;
}

const running: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
});

/** Runs `npm run serve -- …args` (tools/serve.ts) and collects what it prints, line by line. */
function startServe(args: string[]): Serve & { exited: Promise<number | null> } {
  const child = spawn(tsx, ['tools/serve.ts', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  running.push(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  const take = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = lines.find((line) => pattern.test(line));
        if (found === undefined) return false;
        waiters.delete(wake);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`waited for ${what} (a line matching ${pattern}); npm run serve -- ${args.join(' ')} printed:\n${lines.join('\n') || '(nothing)'}`));
      }, WAIT_MS);
      waiters.add(wake);
      check();
    });
  return { port: 0, lines, waitFor, exited };
}

/** Starts the server and reads its port from the `listening on http://127.0.0.1:PORT` line. */
async function startListening(args: string[]): Promise<Serve> {
  const serve = startServe(['--port', '0', ...args]);
  const line = await serve.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 'the listening line');
  return { ...serve, port: Number(/:(\d+)/.exec(line.slice(line.indexOf('http://') + 7))![1]) };
}

/** The id (`#3`) of the `nth` connection (from 1) the server accepted, read from its `connected from` line. */
async function idOf(serve: Serve, nth = 1): Promise<string> {
  const opened = /^#\d+ connected from 127\.0\.0\.1:\d+$/;
  await serve.waitFor(opened, 'a "#N connected from 127.0.0.1:PORT" line (the peer address and port)');
  const deadline = Date.now() + WAIT_MS;
  while (serve.lines.filter((line) => opened.test(line)).length < nth && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const line = serve.lines.filter((line) => opened.test(line))[nth - 1];
  if (line === undefined) throw new Error(`expected ${nth} "connected from" lines; printed:\n${serve.lines.join('\n')}`);
  return line.split(' ')[0]!;
}

/** A `ws` client on `/chat` that sends "hello", reads it back and closes with 1000 "bye". */
async function chatAndClose(port: number): Promise<void> {
  const client = new WebSocket(`ws://127.0.0.1:${port}/chat`, ['chat']);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))));
  client.send('hello');
  expect(await echoed, 'the chat room sends a message back to its sender').toBe('hello');
  const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
  client.close(1000, 'bye');
  expect(await closed, 'the server answers the client\'s close frame with its code (RFC 6455 §5.5.1)').toBe(1000);
}

function linesOf(serve: Serve, id: string): string[] {
  return serve.lines.filter((line) => line.startsWith(`${id} `));
}

describe('npm run serve: one short line per connection event (RFC 6455 §4.2.2, §7.1)', { timeout: 40_000 }, () => {
  it('logs the opening, the 101 with its path, and a close with its code, reason and "by client"; no frames by default', async () => {
    const serve = await startListening([]);
    await chatAndClose(serve.port);
    const id = await idOf(serve);
    await serve.waitFor(new RegExp(`^${id} 101 /chat \\(protocol chat\\)$`), `${id}'s handshake answer "101 /chat (protocol chat)"`);
    await serve.waitFor(
      new RegExp(`^${id} closed 1000 "bye" by client$`),
      `${id}'s close: ws sent close frame 1000 "bye" first, the server answered it (RFC 6455 §7.1.2), so "closed 1000 \\"bye\\" by client"`,
    );
    const frames = linesOf(serve, id).filter((line) => / (in |out) /.test(line));
    expect(frames, `without --log frames the log shows no frame, yet ${id} got:\n${linesOf(serve, id).join('\n')}`).toEqual([]);
  });

  it('names the server when it closes first (an unmasked client frame is refused with 1002, RFC 6455 §5.1)', async () => {
    const serve = await startListening([]);
    const client = await openWebSocket(serve.port, { path: '/echo' });
    const id = await idOf(serve);
    await client.write(text('unmasked', { mask: false }));
    await client.readFrameOrClose();
    client.destroy();
    await serve.waitFor(
      new RegExp(`^${id} closed 1002 .*by server`),
      `${id}'s close after an unmasked frame: the server sent close frame 1002 first, so "closed 1002 … by server"`,
    );
    const long = serve.lines.filter((line) => line.length >= 100);
    expect(long, 'log lines of 100 characters or more (a long close reason is cut, "by server" stays)').toEqual([]);
  });

  it('logs a refused handshake with its status and why, e.g. "400 … Sec-WebSocket-Key …" (RFC 6455 §4.2.1)', async () => {
    const serve = await startListening([]);
    const client = await RawClient.connect(serve.port);
    const id = await idOf(serve);
    await client.write(upgradeRequest({ path: '/chat', headers: { 'Sec-WebSocket-Key': null } }));
    const response = await client.readHttpResponse();
    expect(response.status, 'an upgrade without Sec-WebSocket-Key is refused with 400').toBe(400);
    client.destroy();
    await serve.waitFor(new RegExp(`^${id} 400 .*Sec-WebSocket-Key`), `${id}'s refusal line "400 … Sec-WebSocket-Key …"`);
  });

  it('says "by timeout" for a client dropped at the handshake deadline, and "by network error" for a TCP close without a close frame', async () => {
    const serve = await startListening(['--handshake-timeout', '300']);
    const silent = await RawClient.connect(serve.port);
    const silentId = await idOf(serve, 1);
    await serve.waitFor(new RegExp(`^${silentId} dropped by timeout`), `${silentId} sent nothing for 300 ms: "dropped by timeout: …"`);
    silent.destroy();

    const abrupt = await openWebSocket(serve.port, { path: '/echo' });
    const abruptId = await idOf(serve, 2);
    abrupt.destroy();
    await serve.waitFor(
      new RegExp(`^${abruptId} closed 1006 by network error`),
      `${abruptId} closed TCP with no close frame: "closed 1006 by network error …" (RFC 6455 §7.1.5)`,
    );
  });

  it('adds one line per frame with --log frames: the client\'s masked "hello" in, the echo out', async () => {
    const serve = await startListening(['--log', 'frames']);
    await chatAndClose(serve.port);
    const id = await idOf(serve);
    await serve.waitFor(new RegExp(`^${id} in  text 5 B masked: hello$`), `${id}'s frame line for the client's text frame "hello" (masked, RFC 6455 §5.3)`);
    await serve.waitFor(new RegExp(`^${id} out text 5 B: hello$`), `${id}'s frame line for the server's unmasked echo`);
    await serve.waitFor(new RegExp(`^${id} in  close 5 B masked: 1000 bye$`), `${id}'s frame line for the client's close frame 1000 "bye"`);
    await serve.waitFor(new RegExp(`^${id} closed 1000 "bye" by client$`), `${id}'s close line`);
  });

  it('keeps every line under 100 characters, the stand-in notices included, each naming its chapter and file', async () => {
    const serve = startServe(['--impl', 'chapters', '--port', '0']);
    const code = await serve.exited;
    const notices = serve.lines.filter((line) => line.startsWith('Chapter '));
    expect(code, `serve --impl chapters with chapter 01 a starter cannot listen; it printed:\n${serve.lines.join('\n')}`).toBe(1);
    expect(notices.length, `no notice about the chapters still to write; printed:\n${serve.lines.join('\n')}`).toBeGreaterThan(0);
    for (const line of notices) expect(line, 'a notice: "Chapter NN not written yet: … (chapters/NN-…/file.ts)"').toMatch(/^Chapter (\d\d) not written yet: .+ \(chapters\/\1-[\w-]+\/[\w-]+\.ts\)$/);
    const long = serve.lines.filter((line) => line.length >= 100);
    expect(long, 'lines of 100 characters or more').toEqual([]);
  });
});
