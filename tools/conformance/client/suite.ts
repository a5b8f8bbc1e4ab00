/**
 * `npm run conformance -- --client [--impl solutions|chapters] [--case C2] [--json]`: the client-side
 * cases (cases.ts) against the workbook's own client, scored the way the server run is.
 *
 * Here the roles turn around: the suite plays the server (one scripted listener per case, on
 * loopback) and the tree's `WebSocketClient` is what is tested. The client reuses the layers of
 * every earlier chapter, so the cases run only when chapters 01 to 14 are done; before that they are
 * shown as pending, naming the first chapter that is still a starter.
 */
import type * as ClientModule from '../../../server/app/client.ts';
import { importWithTree, treeDir } from '../../tree.ts';
import { ALL_CHAPTERS, chapterName, implementedChapters, type ChapterNumber } from '../chapters.ts';
import type { CaseResult, SuiteResult } from '../runner.ts';
import { CLIENT_CASES, runClientCase, type ClientCase, type ClientClass } from './cases.ts';

/** The chapter the client cases are tagged with. */
export const CLIENT_CHAPTER: ChapterNumber = 14;

export interface ClientSuiteOptions {
  /** The tree whose client runs: `solutions`, `chapters` or a scratch tree's folder. */
  readonly impl: string;
  /** Case ids or id prefixes (`C2` runs C2.1, C2.2 …); empty runs every case. */
  readonly selectors: readonly string[];
  /** The client to test; by default the tree's `WebSocketClient`, imported with the tree. */
  readonly client?: ClientClass;
  /** Called as each case ends. */
  readonly onResult?: (result: CaseResult) => void;
}

/** The cases whose id is, or starts with, one of `selectors` (every case when there are none). */
export function selectClientCases(selectors: readonly string[]): ClientCase[] {
  if (selectors.length === 0) return [...CLIENT_CASES];
  return CLIENT_CASES.filter((testCase) => selectors.some((id) => testCase.id === id || testCase.id.startsWith(`${id}.`)));
}

/** A case's line in the report names the section it checks. */
const titleOf = (testCase: ClientCase): string => `${testCase.title} (RFC 6455 ${testCase.section})`;

/** Runs the selected cases against the tree's client, one after another. */
export async function runClientSuite(options: ClientSuiteOptions): Promise<SuiteResult> {
  const cases = selectClientCases(options.selectors);
  const implemented = await implementedChapters(treeDir(options.impl));
  const starter = ALL_CHAPTERS.find((chapter) => chapter <= CLIENT_CHAPTER && !implemented.has(chapter));
  const Client = starter !== undefined || cases.length === 0 ? null : (options.client ?? (await loadClient(options.impl)));

  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const result = Client === null ? pending(testCase, starter!) : await runOne(Client, testCase);
    results.push(result);
    options.onResult?.(result);
  }
  const count = (status: CaseResult['status']): number => results.filter((result) => result.status === status).length;
  // The scripted servers listen on loopback, each case on a port of its own.
  return { target: { host: '127.0.0.1', port: 0, path: '/' }, results, passed: count('pass'), failed: count('fail'), pending: count('pending') };
}

async function loadClient(impl: string): Promise<ClientClass> {
  const { WebSocketClient } = await importWithTree<typeof ClientModule>(impl, 'server/app/client.ts');
  return WebSocketClient as unknown as ClientClass;
}

function pending(testCase: ClientCase, starter: ChapterNumber): CaseResult {
  return { id: testCase.id, title: titleOf(testCase), chapter: CLIENT_CHAPTER, status: 'pending', ms: 0, reason: `chapter ${chapterName(starter)} is still a starter` };
}

async function runOne(Client: ClientClass, testCase: ClientCase): Promise<CaseResult> {
  const started = performance.now();
  const failure = await runClientCase(Client, testCase);
  const ms = Math.round(performance.now() - started);
  const result: CaseResult = { id: testCase.id, title: titleOf(testCase), chapter: CLIENT_CHAPTER, status: failure === null ? 'pass' : 'fail', ms };
  return failure === null ? result : { ...result, reason: failure };
}
