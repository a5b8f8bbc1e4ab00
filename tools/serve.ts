/**
 * `npm run serve -- [--port 8080] [--host 127.0.0.1] [--impl solutions|chapters] [--log frames] …`
 *
 * Runs the demo server of a tree: the reference (`solutions`, the default) or the learner's own
 * (`chapters`), which works after every chapter, with one notice line per starter file still to write.
 * It logs one short line when a connection opens, when it is answered (101 or a refusal) and when
 * it closes (code, reason, who closed); `--log frames` adds a line per frame.
 * Ctrl-C (SIGINT) or SIGTERM closes every connection with 1001 Going Away and exits.
 */
import { Command, InvalidArgumentError } from 'commander';
import { importWithTree, parseTree } from './tree.ts';

interface ServeOptions {
  port: number;
  host: string;
  handshakeTimeout?: number;
  pingInterval?: number;
  pongTimeout?: number;
  closeTimeout?: number;
  maxMessageLength?: number;
  log?: (line: string) => void;
  logFrames?: boolean;
}

interface ServeModule {
  serve(options: ServeOptions): Promise<{ port: number; host: string; close(): Promise<void> }>;
}

interface LayersModule {
  /** One short line per starter file the server runs a stand-in for. */
  standInNotices(): string[];
}

/** What `--log` adds to the connection log. */
const LOG_LEVELS = ['connections', 'frames'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

function parseLog(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new InvalidArgumentError('connections (the default: open, answer, close) or frames (every frame as well)');
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is an integer in 0–65535');
  return port;
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('a positive number of milliseconds');
  return ms;
}

function parseBytes(value: string): number {
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes <= 0) throw new InvalidArgumentError('a positive whole number of bytes');
  return bytes;
}

function parseImpl(value: string): string {
  try {
    return parseTree(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run serve --')
    .description('Run the WebSocket server: the demo page on GET /, a chat on /chat, echo on any other path.')
    .option('--port <port>', 'TCP port (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--impl <tree>', 'which tree to run: solutions (the reference) or chapters (yours)', parseImpl, 'solutions')
    .option('--handshake-timeout <ms>', 'drop a client whose request head is not complete in time (default 10000)', parseMilliseconds)
    .option('--ping-interval <ms>', 'ping a connection silent for this long (default 30000)', parseMilliseconds)
    .option('--pong-timeout <ms>', 'drop it if no pong comes within this (default 10000)', parseMilliseconds)
    .option('--close-timeout <ms>', "drop a peer that does not answer our close frame (default 5000)", parseMilliseconds)
    .option('--max-message <bytes>', 'largest message accepted, across fragments (default 67108864) → 1009', parseBytes)
    .option('--log <what>', 'connections: a line per open, answer and close; frames: every frame too', parseLog, 'connections')
    .parse();
  type Parsed = Omit<ServeOptions, 'maxMessageLength' | 'log' | 'logFrames'> & { impl: string; maxMessage?: number; log: LogLevel };
  const { impl, maxMessage, log, ...rest } = program.opts<Parsed>();
  const options: ServeOptions = { ...rest, maxMessageLength: maxMessage, log: (line) => console.log(line), logFrames: log === 'frames' };
  const { port } = options;

  const { serve } = await importWithTree<ServeModule>(impl, 'server/demo/demo-server.ts');
  const { standInNotices } = await importWithTree<LayersModule>(impl, 'server/wiring/layers.ts');
  // What the learner's server does at each chapter still to write.
  for (const notice of standInNotices()) console.log(notice);

  let server: Awaited<ReturnType<ServeModule['serve']>>;
  try {
    // Options left out keep the server's defaults.
    for (const key of Object.keys(options) as (keyof ServeOptions)[]) if (options[key] === undefined) delete options[key];
    server = await serve(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') console.error(`port ${port} is in use: try --port ${port + 1} (or --port 0 for any free port)`);
    else if (error instanceof Error && error.name === 'NotImplementedError') {
      const { chapter, file } = error as Error & { chapter: string; file: string };
      console.error(`Chapter ${chapter} not written yet: the server cannot listen (${file})`);
    }
    else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  }
  const http = `http://${server.host}:${server.port}`;
  const ws = `ws://${server.host}:${server.port}`;
  console.log(`listening on ${http} (${impl}): open it in a browser`);
  console.log(`${ws}/chat is the chat room, any other path echoes`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.log('stopping now');
      process.exit(130);
    }
    stopping = true;
    console.log(`${signal}: closing every connection with 1001 (Ctrl-C again quits at once)`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
