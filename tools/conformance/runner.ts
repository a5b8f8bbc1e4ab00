/**
 * Runs cases one after another against a target and turns each into a result.
 *
 * Every case gets a fresh context whose connections are tracked, so when a case ends — passed,
 * failed, or out of time — all its sockets are destroyed and nothing leaks into the next case. A case
 * whose chapters are not implemented yet is not run at all: it is reported as pending.
 */
import { ALL_CHAPTERS, type ChapterNumber } from './chapters.ts';
import { CaseFailure, DEFAULT_TIMEOUT_MS, fail, type Case, type CaseContext, type Target } from './case.ts';
import { RawClient, WireError, escaped, newKey, upgradeRequest, type UpgradeRequestOptions } from '../wire/index.ts';
import { allCases } from './cases/index.ts';

export interface SuiteOptions {
  target: Target;
  /** Default: every case. */
  cases?: readonly Case[];
  /** Chapters whose cases run; the others are pending. Default: all. */
  implemented?: ReadonlySet<ChapterNumber>;
  /** The server's message size limit; default 64 MiB. */
  maxMessageSize?: number;
  /** The server negotiates permessage-deflate (`--deflate`): which of the compression cases run. */
  deflate?: boolean;
  /** Multiplies every time bound (a slow machine, or a test that wants failures fast). */
  timeScale?: number;
  /** Called as each case finishes, for live output. */
  onResult?: (result: CaseResult) => void;
}

export type CaseStatus = 'pass' | 'fail' | 'pending';

export interface CaseResult {
  id: string;
  title: string;
  chapter: ChapterNumber;
  status: CaseStatus;
  ms: number;
  /** Why it failed, one line. */
  reason?: string;
  /** On failure: what was sent (`>`) and received (`<`), short hex lines per connection. */
  transcript?: string[];
}

export interface SuiteResult {
  target: Target;
  results: CaseResult[];
  passed: number;
  failed: number;
  pending: number;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

/** The chapters a case needs: every chapter up to its own, plus its extra needs. */
export function chaptersNeeded(item: Case): ChapterNumber[] {
  const last = Math.max(item.chapter, ...(item.needs ?? []));
  return ALL_CHAPTERS.filter((chapter) => chapter <= last);
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const implemented = options.implemented ?? new Set(ALL_CHAPTERS);
  const results: CaseResult[] = [];
  for (const item of options.cases ?? allCases) {
    const missing = chaptersNeeded(item).filter((chapter) => !implemented.has(chapter));
    const result: CaseResult =
      missing.length === 0 && item.deflate !== undefined && item.deflate !== (options.deflate ?? false)
        ? {
            id: item.id,
            title: item.title,
            chapter: item.chapter,
            status: 'pending' as const,
            ms: 0,
            reason: item.deflate ? 'runs with --deflate' : 'runs without --deflate',
          }
        : missing.length === 0
        ? await runCase(item, options)
        : {
            id: item.id,
            title: item.title,
            chapter: item.chapter,
            status: 'pending' as const,
            ms: 0,
            reason: `waits for chapter ${missing.map((chapter) => String(chapter).padStart(2, '0')).join(', ')}`,
          };
    results.push(result);
    options.onResult?.(result);
  }
  const count = (status: CaseStatus): number => results.filter((result) => result.status === status).length;
  return { target: options.target, results, passed: count('pass'), failed: count('fail'), pending: count('pending') };
}

/** Run one case within its time bound. */
export async function runCase(item: Case, options: SuiteOptions): Promise<CaseResult> {
  const clients: RawClient[] = [];
  const finished = { done: false };
  const timeoutMs = (item.timeoutMs ?? DEFAULT_TIMEOUT_MS) * (options.timeScale ?? 1);
  const context = createContext(options, clients, finished, timeoutMs);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  let reason: string | undefined;
  try {
    const outcome = await Promise.race([item.run(context).then(() => 'done' as const), timedOut]);
    if (outcome === 'timeout') {
      const expecting = clients.length === 0 ? 'a TCP connection' : clients.at(-1)!.expecting || 'the case to finish';
      reason = `no answer within ${timeoutMs} ms; was waiting for ${expecting}`;
    }
  } catch (error) {
    // A wire error's message ends with the full transcript; the report shows the short one below.
    if (error instanceof CaseFailure) reason = error.message;
    else if (error instanceof WireError) reason = error.summary;
    else reason = `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
    finished.done = true;
    for (const client of clients) client.destroy();
  }
  const ms = Math.round(performance.now() - started);
  const base = { id: item.id, title: item.title, chapter: item.chapter, ms };
  if (reason === undefined) return { ...base, status: 'pass' };
  return { ...base, status: 'fail', reason, transcript: transcriptOf(clients) };
}

function transcriptOf(clients: RawClient[]): string[] {
  const shown = clients.filter((client) => client.transcriptLines().length > 0).slice(-2);
  if (shown.length === 1) return shown[0]!.transcriptLines();
  return shown.flatMap((client, index) => [`connection ${index + 1}:`, ...client.transcriptLines(6).map((line) => `  ${line}`)]);
}

function createContext(options: SuiteOptions, clients: RawClient[], finished: { done: boolean }, timeoutMs: number): CaseContext {
  const { target } = options;
  const request = (requestOptions?: UpgradeRequestOptions): string =>
    upgradeRequest({ host: `${target.host}:${target.port}`, path: target.path, key: newKey(), ...requestOptions });
  const connect = async (): Promise<RawClient> => {
    // Every wait is bounded by the case's own time bound, so the case's timeout is what reports it.
    const client = await RawClient.connect(target.port, { host: target.host, timeoutMs, checkServerFrames: true });
    clients.push(client);
    // A case that ran out of time may still be going: its late connections close at once.
    if (finished.done) client.destroy();
    return client;
  };
  return {
    target,
    maxMessageSize: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    connect,
    request,
    async open(requestOptions) {
      const client = await connect();
      client.write(request(requestOptions));
      client.expecting = 'the 101 answer to the opening handshake';
      const head = await client.readHttpResponseOrClose();
      if (!head) fail('the opening handshake got no answer: TCP closed');
      if (head.status !== 101) fail(`the opening handshake was refused: "${escaped(head.statusLine, 60)}"`);
      return client;
    },
  };
}
