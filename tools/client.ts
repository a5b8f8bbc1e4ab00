/**
 * `npm run client -- URL [--protocol P] [--header 'K: V'] [--binary] [--deflate] [--impl solutions|chapters]`
 *
 * The workbook's own WebSocket client on the command line, the way `wscat` and `websocat` are used:
 * every line read from stdin is sent as one message (text, or binary with `--binary`), and every
 * message received is printed with a `< ` prefix (binary as a hex dump). Ctrl-C closes with 1000
 * (a second Ctrl-C drops the connection). When stdin ends, the client sends what is left and
 * closes with 1000 once no message has come for `--linger` ms (default 500), so it works in a pipe:
 * `echo hello | npm run client -- ws://127.0.0.1:8080/` prints `< hello` and exits 0 after a clean
 * close. The wait is needed because a close frame sent right behind the last line can overtake the
 * answer: a server may read the close before its handler has sent the echo, and then it may no
 * longer send it (python-websockets does exactly that, as RFC 6455 §5.5.1 allows).
 *
 * Status lines (connected, the close code and reason, errors) go to stderr, messages to stdout.
 * Exit status: 0 after a clean closing handshake, 1 when the handshake was refused, nothing
 * listened, or the connection ended without a closing handshake.
 *
 * `--impl chapters` runs the learner's own client (chapter 14 and the layers it reuses); the tests
 * pass the absolute path of the tree they run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import type * as ClientModule from '../server/app/client.ts';
import { importWithTree, parseTree } from './tree.ts';

/** Bytes per line of a hex dump. */
const HEX_LINE = 16;
/** After stdin ends: how long the connection stays quiet before the client closes it, in ms. */
const DEFAULT_LINGER_MS = 500;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseHeader(value: string, previous: Record<string, string>): Record<string, string> {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError("a header is 'Name: value'");
  return { ...previous, [value.slice(0, colon).trim()]: value.slice(colon + 1).trim() };
}

function parseImpl(value: string): string {
  // A scratch tree (the fail-first proof's) is any folder that holds the chapters' folders.
  if (path.isAbsolute(value) && fs.existsSync(path.join(value, '14-client'))) return value;
  try {
    return parseTree(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('a positive number of milliseconds');
  return ms;
}

/** `offset  hex bytes  |ascii|`, 16 bytes a line. */
export function hexDump(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += HEX_LINE) {
    const row = bytes.subarray(at, at + HEX_LINE);
    const hex = [...row].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(HEX_LINE * 3 - 1)}  |${ascii}|`);
  }
  return lines;
}

/** A client error as one line: what failed, and for a refusal the status and the start of the body. */
function describeError(error: Error, url: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `cannot connect to ${url}: nothing listens there (ECONNREFUSED)`;
  if (code !== undefined) return `cannot connect to ${url}: ${error.message}`;
  if (error.name === 'HandshakeError') {
    const { status, body } = error as ClientModule.HandshakeError;
    const text = new TextDecoder().decode(body).trim();
    const shown = text === '' ? '' : `: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`;
    return `handshake failed: ${error.message}${status !== null && status !== 101 ? shown : ''}`;
  }
  return error.message;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run client --')
    .description('Connect to a WebSocket server: stdin lines are sent as messages, received messages are printed.')
    .argument('<url>', 'ws:// or wss:// URL')
    .option('--protocol <name>', 'offer this subprotocol (repeatable)', collect, [])
    .option('--header <field>', "send an extra header field, 'Name: value' (repeatable)", parseHeader, {})
    .option('--binary', 'send each line as a binary message (without its line break)')
    .option('--deflate', 'offer permessage-deflate (RFC 7692): messages are compressed if the server agrees')
    .option('--follow-redirects', 'follow a 3xx answer to the handshake (at most 10)')
    .option('--linger <ms>', 'after stdin ends, close once no message has come for this long', parseMilliseconds, DEFAULT_LINGER_MS)
    .option('--handshake-timeout <ms>', 'give up when no valid 101 comes in time (default 10000)', parseMilliseconds)
    .option('--ca <file>', 'PEM certificate(s) to trust for wss:// (a private CA or a self-signed server)')
    .option('--impl <tree>', 'which tree to run: solutions (the reference) or chapters (yours)', parseImpl, 'solutions')
    .parse();
  const [url = ''] = program.args;
  const opts = program.opts<{ protocol: string[]; header: Record<string, string>; binary?: true; deflate?: true; followRedirects?: true; handshakeTimeout?: number; ca?: string; impl: string; linger: number }>();

  const { WebSocketClient } = await importWithTree<typeof ClientModule>(opts.impl, 'server/app/client.ts');
  let socket: ClientModule.WebSocketClient;
  try {
    socket = new WebSocketClient(url, opts.protocol, {
      headers: opts.header,
      followRedirects: opts.followRedirects === true,
      perMessageDeflate: opts.deflate === true,
      handshakeTimeout: opts.handshakeTimeout,
      tls: opts.ca === undefined ? undefined : { ca: fs.readFileSync(opts.ca) },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }

  let failed = false;
  socket.on('error', (error) => {
    failed = true;
    console.error(`error: ${describeError(error, url)}`);
  });
  socket.on('redirect', (to) => console.error(`redirected to ${to}`));
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return void console.log(`< ${data as string}`);
    const bytes = data as Uint8Array;
    console.log(`< binary, ${bytes.length} byte${bytes.length === 1 ? '' : 's'}`);
    for (const line of hexDump(bytes)) console.log(`  ${line}`);
  });

  // Lines read before the handshake completes wait for it. Once stdin has ended and they are sent,
  // every message restarts the linger timer; when it runs out, the client closes with 1000.
  const pending: string[] = [];
  let inputEnded = false;
  let linger: NodeJS.Timeout | undefined;
  const sendLine = (line: string): void => {
    socket.send(opts.binary === true ? new TextEncoder().encode(line) : line);
  };
  const closeIfDone = (): void => {
    if (!inputEnded || socket.readyState !== WebSocketClient.OPEN) return;
    clearTimeout(linger);
    linger = setTimeout(() => {
      if (socket.readyState === WebSocketClient.OPEN) socket.close(1000);
    }, opts.linger);
  };
  socket.on('message', closeIfDone);
  socket.on('close', () => clearTimeout(linger));
  socket.on('open', () => {
    const agreed = [socket.protocol === '' ? '' : `subprotocol ${socket.protocol}`, socket.extensions].filter((item) => item !== '');
    console.error(`connected to ${socket.url}${agreed.length === 0 ? '' : ` (${agreed.join('; ')})`}`);
    for (const line of pending.splice(0)) sendLine(line);
    closeIfDone();
  });
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    if (socket.readyState === WebSocketClient.CONNECTING) pending.push(line);
    else if (socket.readyState === WebSocketClient.OPEN) sendLine(line);
  });
  input.on('close', () => {
    inputEnded = true;
    closeIfDone();
  });

  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted || socket.readyState !== WebSocketClient.OPEN) return socket.terminate();
    interrupted = true;
    socket.close(1000);
  });

  const { code, reason, wasClean } = await socket.closed;
  if (!failed || wasClean) console.error(`closed: ${code}${reason === '' ? '' : ` ${JSON.stringify(reason)}`}${wasClean ? '' : ' (no closing handshake)'}`);
  input.close();
  process.exit(wasClean && !failed ? 0 : 1);
}

await main();
