/**
 * The suite's results as text (one line per case, scores per chapter, a total) or as JSON.
 */
import pc from 'picocolors';
import { ALL_CHAPTERS, chapterName, type ChapterNumber } from './chapters.ts';
import type { CaseResult, SuiteResult } from './runner.ts';

/** One case: `✓ 5.4  fragmented text in 3 frames  [07]`, with the reason and transcript on failure. */
export function formatResult(result: CaseResult): string {
  const tag = pc.dim(`[${chapterName(result.chapter).slice(0, 2)}]`);
  const id = result.id.padEnd(8);
  switch (result.status) {
    case 'pass':
      return `${pc.green('✓')} ${id} ${result.title}  ${tag}`;
    case 'pending':
      return `${pc.yellow('…')} ${id} ${pc.dim(result.title)}  ${tag} ${pc.yellow(`pending: ${result.reason ?? 'not implemented yet'}`)}`;
    case 'fail':
      return [
        `${pc.red('✗')} ${id} ${result.title}  ${tag}`,
        `    ${pc.red(result.reason ?? '')}`,
        ...(result.transcript ?? []).map((line) => pc.dim(`      ${line}`)),
      ].join('\n');
  }
}

export interface ChapterScore {
  chapter: string;
  passed: number;
  failed: number;
  pending: number;
  total: number;
}

export function chapterScores(suite: SuiteResult): ChapterScore[] {
  return ALL_CHAPTERS.flatMap((chapter: ChapterNumber) => {
    const results = suite.results.filter((result) => result.chapter === chapter);
    if (results.length === 0) return [];
    const count = (status: CaseResult['status']): number => results.filter((result) => result.status === status).length;
    return [{ chapter: chapterName(chapter), passed: count('pass'), failed: count('fail'), pending: count('pending'), total: results.length }];
  });
}

/** The score table and the total line. */
export function formatSummary(suite: SuiteResult): string {
  const lines = chapterScores(suite).map((score) => {
    const name = score.chapter.padEnd(18);
    if (score.pending === score.total) return `${name} ${pc.yellow(`pending (${score.total} ${score.total === 1 ? "case" : "cases"})`)}`;
    const ran = score.total - score.pending;
    const ratio = `${score.passed}/${ran}`.padStart(7);
    const colored = score.failed === 0 ? pc.green(ratio) : pc.red(ratio);
    return `${name} ${colored}${score.pending > 0 ? pc.yellow(`  (${score.pending} pending)`) : ''}`;
  });
  const ran = suite.passed + suite.failed;
  const total = `${'total'.padEnd(18)} ${`${suite.passed}/${ran}`.padStart(7)}  passed, ${suite.failed} failed, ${suite.pending} pending`;
  return [...lines, suite.failed === 0 ? pc.green(total) : pc.red(total)].join('\n');
}

/** Machine-readable output for `--json`. */
export function toJson(suite: SuiteResult): string {
  return JSON.stringify(
    {
      target: suite.target,
      passed: suite.passed,
      failed: suite.failed,
      pending: suite.pending,
      chapters: chapterScores(suite),
      results: suite.results.map((result) => ({ ...result, chapter: chapterName(result.chapter) })),
    },
    null,
    2,
  );
}
