/**
 * `npm run serve -- [--port 8080] [--host 127.0.0.1] [--impl solutions|chapters] [--log frames] …`
 *
 * Runs the demo server of a tree: the reference (`solutions`, the default) or the learner's own
 * (`chapters`), which works after every chapter, with one notice line per starter file still to write.
 * It logs one short line when a connection opens, when it is answered (101 or a refusal) and when
 * it closes (code, reason, who closed); `--log frames` adds a line per frame.
 * Ctrl-C (SIGINT) or SIGTERM closes every connection with 1001 Going Away and exits.
 *
 * Chapter 12: `--server node-http` (or `express`) puts the same demo behind an HTTP server on one
 * port; `--allow-origin URL` (repeatable), `--token SECRET` and `--tls-cert F --tls-key F` need
 * that HTTP server in front, so they select node-http when no `--server` is given.
 *
 * Chapter 13: `--deflate` negotiates permessage-deflate with clients that offer it (every browser does).
 *
 * Chapter 15: `--workers N|auto` runs N processes sharing the port (node:cluster, serve-cluster.ts);
 * `--redis redis://HOST:PORT` makes the chat room one room across every process and machine started
 * with the same Redis (server/demo/redis-room.ts). Without `--redis`, each worker has its own room.
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { importWithTree, parseTree } from './tree.ts';
import { onPrimaryShutdown, parseWorkers, runPrimary } from './serve-cluster.ts';

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
  server?: ServerMode;
  policy?: { allowedOrigins?: string[]; token?: string };
  tls?: { cert: Buffer; key: Buffer };
  /** Chapter 13: negotiate permessage-deflate (RFC 7692) with the server's default settings. */
  perMessageDeflate?: true;
  /** Chapter 15: the chat room over Redis pub/sub. */
  redis?: { url: string; backoff?: { baseMs: number; maxMs: number }; presenceTtlMs?: number; presenceRefreshMs?: number };
}

/** Chapter 12: who owns the port. */
const SERVER_MODES = ['dedicated', 'node-http', 'express'] as const;
type ServerMode = (typeof SERVER_MODES)[number];

function parseServer(value: string): ServerMode {
  if ((SERVER_MODES as readonly string[]).includes(value)) return value as ServerMode;
  throw new InvalidArgumentError('dedicated (its own listener), node-http (behind node:http) or express');
}

function parseOrigin(value: string, previous: string[]): string[] {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    throw new InvalidArgumentError('an origin is a URL such as https://example.com or http://localhost:8080');
  }
  return [...previous, origin];
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

function parseRedis(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('a Redis URL such as redis://127.0.0.1:6379');
  }
  if (url.protocol !== 'redis:') throw new InvalidArgumentError('a Redis URL starts with redis:// (e.g. redis://127.0.0.1:6379)');
  return value;
}

function parseWorkerCount(value: string): number {
  try {
    return parseWorkers(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function parseImpl(value: string): string {
  // A scratch tree (the fail-first proof's) is any folder that holds the chapters' folders.
  if (path.isAbsolute(value) && fs.existsSync(path.join(value, '01-tcp-listener'))) return value;
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
    .option('--server <mode>', 'dedicated (its own listener, the default), node-http or express (chapter 12: one port with an HTTP app)', parseServer)
    .option('--allow-origin <url>', 'accept upgrades from this Origin only (repeatable); others get 403', parseOrigin, [])
    .option('--token <secret>', 'require this token (Authorization: Bearer, a token cookie or ?token=); else 401')
    .option('--tls-cert <file>', 'PEM certificate: serve https: and wss: (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--deflate', 'negotiate permessage-deflate (RFC 7692) when a client offers it (chapter 13)')
    .option('--workers <n>', 'processes sharing the port (node:cluster), or auto for one per core (chapter 15)', parseWorkerCount, 1)
    .option('--restart-window <ms>', 'at most 5 worker restarts within this many ms, then give up (default 10000)', parseMilliseconds)
    .option('--redis <url>', 'one chat room across every process using this Redis, e.g. redis://127.0.0.1:6379 (chapter 15)', parseRedis)
    .option('--redis-retry-max <ms>', 'longest wait between reconnect attempts to Redis (default 10000)', parseMilliseconds)
    .option('--presence-ttl <ms>', "how long a process's presence key outlives it in Redis (default 15000)", parseMilliseconds)
    .parse();
  type Parsed = Omit<ServeOptions, 'maxMessageLength' | 'log' | 'logFrames' | 'policy' | 'tls' | 'perMessageDeflate' | 'redis'> & {
    workers: number;
    restartWindow?: number;
    redis?: string;
    redisRetryMax?: number;
    presenceTtl?: number;
    deflate?: true;
    impl: string;
    maxMessage?: number;
    log: LogLevel;
    allowOrigin: string[];
    token?: string;
    tlsCert?: string;
    tlsKey?: string;
  };
  const { impl, maxMessage, log, allowOrigin, token, tlsCert, tlsKey, deflate, workers, restartWindow, redis: redisUrl, redisRetryMax, presenceTtl, ...rest } = program.opts<Parsed>();
  const rooms = redisUrl === undefined ? 'rooms are per worker without --redis' : `chat room over Redis ${redisUrl}`;
  if (workers > 1 && cluster.isPrimary) return runPrimary({ workers, restartWindowMs: restartWindow, describe: `${impl}, ${rooms}`, log: (line) => console.log(line) });
  const redis =
    redisUrl === undefined
      ? undefined
      : {
          url: redisUrl,
          backoff: redisRetryMax === undefined ? undefined : { baseMs: Math.min(100, redisRetryMax), maxMs: redisRetryMax },
          presenceTtlMs: presenceTtl,
          presenceRefreshMs: presenceTtl === undefined ? undefined : Math.max(50, Math.floor(presenceTtl / 3)),
        };
  if ((tlsCert === undefined) !== (tlsKey === undefined)) program.error('--tls-cert and --tls-key go together');
  const tls = tlsCert !== undefined && tlsKey !== undefined ? { cert: fs.readFileSync(tlsCert), key: fs.readFileSync(tlsKey) } : undefined;
  const policy = allowOrigin.length > 0 || token !== undefined ? { allowedOrigins: allowOrigin.length > 0 ? allowOrigin : undefined, token } : undefined;
  // A policy or TLS needs an HTTP server in front: node-http unless another mode was asked for.
  if (rest.server === 'dedicated' && (policy || tls)) program.error('--allow-origin, --token and TLS need --server node-http or express');
  if (rest.server === undefined && (policy || tls)) rest.server = 'node-http';
  const options: ServeOptions = { ...rest, policy, tls, maxMessageLength: maxMessage, perMessageDeflate: deflate, redis, log: (line) => console.log(line), logFrames: log === 'frames' };
  const { port } = options;

  const { serve } = await importWithTree<ServeModule>(impl, 'server/demo/demo-server.ts');
  const { standInNotices } = await importWithTree<LayersModule>(impl, 'server/wiring/layers.ts');
  // What the learner's server does at each chapter still to write (said once, by the first worker).
  if (cluster.worker === undefined || cluster.worker.id === 1) for (const notice of standInNotices()) console.log(notice);

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
  const http = `${tls ? 'https' : 'http'}://${server.host}:${server.port}`;
  const ws = `${tls ? 'wss' : 'ws'}://${server.host}:${server.port}`;
  const mode = options.server === undefined || options.server === 'dedicated' ? '' : `, behind ${options.server}`;
  // Under --workers the primary says it once for all of them.
  if (cluster.isPrimary) {
    const shared = redis === undefined ? '' : `, ${rooms}`;
    console.log(`listening on ${http} (${impl}${mode}${shared}): open it in a browser`);
    console.log(`${ws}/chat is the chat room, any other path echoes`);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    // A worker hears of a shutdown twice (the terminal's Ctrl-C and the primary's message).
    if (stopping && cluster.isWorker) return;
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
  if (cluster.isWorker) onPrimaryShutdown(() => stop('shutdown'));
}

await main();
