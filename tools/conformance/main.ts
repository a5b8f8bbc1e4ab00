/**
 * `npm run conformance -- [--impl solutions|chapters] [--server dedicated|node-http|express]
 * [--url ws://host:port/path] [--case 5.3] [--chapter 07] [--deflate] [--json]`: run the RFC 6455 conformance
 * suite and print a score per chapter. `--client` runs the client-side cases instead (chapter 14,
 * client/suite.ts): scripted servers against the tree's own client. `--server` serves the tree's demo on its own listener (the
 * default) or behind node:http or Express, through `handleUpgrade` (chapter 12).
 *
 * With `--url` every chapter counts. With `--impl` (default `solutions`) the tree's server is started
 * in this process, and the cases of chapters that are still starters are shown as pending. The exit
 * code is 0 only when every case that ran passed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ALL_CHAPTERS, implementedChapters, parseChapter, type ChapterNumber } from './chapters.ts';
import { allCases, selectCases } from './cases/index.ts';
import { formatResult, formatSummary, toJson } from './report.ts';
import { DEFAULT_MAX_MESSAGE_SIZE, runSuite } from './runner.ts';
import type { Target } from './case.ts';
import { ECHO_PATH, SERVER_MODES, parseTarget, startImplementation, type RunningTarget, type ServerMode } from './target.ts';
import { parseTree } from '../tree.ts';
import { runClientSuite, selectClientCases } from './client/suite.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface CliOptions {
  impl: string;
  url?: string;
  server: ServerMode;
  case: string[];
  chapter?: ChapterNumber;
  json?: boolean;
  maxMessage: number;
  deflate?: boolean;
  client?: boolean;
}

const program = new Command()
  .name('conformance')
  .description('RFC 6455 conformance cases against a WebSocket server')
  .option('--impl <tree>', 'start this tree in-process: solutions or chapters', 'solutions')
  .option('--url <url>', 'test a running server instead, e.g. ws://127.0.0.1:8080/echo')
  .option('--server <mode>', 'with --impl: serve it on its own listener (dedicated), behind node:http (node-http) or Express (express)', (value: string) => {
    if (!(SERVER_MODES as readonly string[]).includes(value)) throw new InvalidArgumentError(SERVER_MODES.join(', '));
    return value as ServerMode;
  }, 'dedicated' as ServerMode)
  .option('--case <id>', 'run only this case or family prefix (repeatable, comma-separated)', (value: string, previous: string[]) => [...previous, ...value.split(',')], [])
  .option('--chapter <n>', 'run only the cases tagged with this chapter', (value: string) => {
    const chapter = parseChapter(value);
    if (chapter === undefined) throw new InvalidArgumentError('a chapter number from 01 to 10');
    return chapter;
  })
  .option('--deflate', 'the server negotiates permessage-deflate (chapter 13): run the compression cases (families 12, 13) instead of 13.0.1')
  .option('--client', "run the client-side cases (chapter 14) against the tree's client instead of a server")
  .option('--json', 'print the results as JSON')
  .option('--max-message <bytes>', "the server's message size limit", (value: string) => Number(value), DEFAULT_MAX_MESSAGE_SIZE)
  .parse();

const options = program.opts<CliOptions>();
try {
  parseTree(options.impl);
} catch (error) {
  program.error((error as Error).message);
}

if (options.client) {
  if (options.url) program.error('--client tests the client of --impl; --url names a server');
  if (selectClientCases(options.case).length === 0) program.error('no client case matches the selection');
  if (!options.json) console.log(`RFC 6455 client-side conformance: the client of ${options.impl}/ against scripted servers\n`);
  const suite = await runClientSuite({ impl: options.impl, selectors: options.case, onResult: options.json ? undefined : (result) => console.log(formatResult(result)) });
  console.log(options.json ? toJson(suite) : `\n${formatSummary(suite)}`);
  process.exit(suite.failed === 0 ? 0 : 1);
}

const cases = selectCases(allCases, options.case, options.chapter);
if (cases.length === 0) program.error('no case matches the selection');

let running: RunningTarget | undefined;
let implemented: Set<ChapterNumber> = new Set(ALL_CHAPTERS);
let target: Target;
try {
  if (options.url) {
    target = parseTarget(options.url);
  } else {
    implemented = await implementedChapters(path.join(root, options.impl));
    running = await startServerUnlessStarter(implemented);
    target = running ?? { host: '127.0.0.1', port: 0, path: ECHO_PATH };
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

/**
 * Start the tree's server. While chapter 01 is a starter the server cannot listen at all: then every
 * case is pending and nothing is started.
 */
async function startServerUnlessStarter(chapters: Set<ChapterNumber>): Promise<RunningTarget | undefined> {
  try {
    return await startImplementation(options.impl, options.server, options.deflate ?? false);
  } catch (error) {
    if (!chapters.has(1) && (error as Error).name === 'NotImplementedError') return undefined;
    throw error;
  }
}

if (!options.json) {
  const where = options.url || running ? `ws://${target.host}:${target.port}${target.path}` : `${options.impl}/ (chapter 01 is still a starter)`;
  console.log(`RFC 6455 conformance: ${cases.length} cases against ${where}\n`);
}
const suite = await runSuite({
  target: { host: target.host, port: target.port, path: target.path },
  cases,
  implemented,
  maxMessageSize: options.maxMessage,
  deflate: options.deflate ?? false,
  onResult: options.json ? undefined : (result) => console.log(formatResult(result)),
});
await running?.close();

console.log(options.json ? toJson(suite) : `\n${formatSummary(suite)}`);
process.exit(suite.failed === 0 ? 0 : 1);
