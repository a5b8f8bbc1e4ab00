/**
 * How results read in the terminal: colours, failures, stack frames, code frames.
 *
 * A failure's message is shown verbatim (the chapter tests already say what was sent, what came back
 * and what the RFC expects). Stack frames are cut down to the ones a learner can act on: their own
 * files under chapters/ and the test file; frames in node_modules, node: internals, test/helpers and
 * the runner are dropped. When the error comes from the learner's file, a few lines around it are shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import picocolors from 'picocolors';
import type { ChapterRun, TestError, TestOutcome } from './tests.ts';

export type Colors = ReturnType<typeof picocolors.createColors>;

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  const { NO_COLOR: noColor, FORCE_COLOR: force } = process.env;
  if (noColor !== undefined && noColor !== '') return false;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return Boolean(stream.isTTY);
}

export function makeColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Indents every line of text. */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

export interface Frame {
  readonly method: string;
  /** Relative to the root, `/`-separated. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Whether an error is a starter's TODO (`NotImplementedError` from core/errors.ts). */
export function isNotImplemented(error: TestError): boolean {
  return error.name === 'NotImplementedError' || /^Chapter \d\d: implement /.test(error.message ?? '');
}

const TODO_ANYWHERE = /Chapter (\d\d): implement /g;

/**
 * Whether a failure comes from a starter's TODO, even indirectly: the error is one, or its message
 * quotes one (a socket test's transcript of a 501 answer), or the test printed one (the server's
 * notice about a missing chapter).
 */
export function mentionsTodo(error: TestError, logs: readonly string[] = []): boolean {
  TODO_ANYWHERE.lastIndex = 0;
  if (isNotImplemented(error) || TODO_ANYWHERE.test(error.message ?? '')) return true;
  return logs.some((log) => {
    TODO_ANYWHERE.lastIndex = 0;
    return TODO_ANYWHERE.test(log);
  });
}

const TODO_TEXT = /Chapter \d\d: implement .*? \(chapters\/[^)\s]+\.ts\)/;

/**
 * The TODO a failing test stumbled on: its error when that is a NotImplementedError, else the first
 * TODO message quoted in its errors, else a TODO of this chapter or an earlier one that the server
 * printed as it fell back to a stand-in. Undefined when the failure is about something else.
 */
export function todoOf(test: TestOutcome, chapter?: string): { text: string; error?: TestError } | undefined {
  if (test.errors.length === 0) return undefined;
  const direct = test.errors.find(isNotImplemented);
  if (direct) return { text: TODO_TEXT.exec(direct.message)?.[0] ?? direct.message, error: direct };
  for (const error of test.errors) {
    for (let e: TestError | undefined = error; e; e = e.cause as TestError | undefined) {
      const quoted = TODO_TEXT.exec(`${e.message ?? ''}\n${e.diff ?? ''}`);
      if (quoted) return { text: quoted[0] };
      if (typeof e.cause !== 'object') break;
    }
  }
  // The server's notice that it stopped at this chapter's (or an earlier one's) TODO.
  for (const log of test.logs) {
    const noticed = TODO_TEXT.exec(log);
    if (noticed && (chapter === undefined || noticed[0].slice(8, 10) <= chapter)) return { text: noticed[0] };
  }
  return undefined;
}

/** The chapter numbers named by TODO messages in a chapter's results (errors and what tests printed). */
export function missingChapters(run: ChapterRun): string[] {
  const numbers = new Set<string>();
  const texts = [...allErrors(run).map((error) => error.message ?? ''), ...run.tests.flatMap((test) => test.logs)];
  for (const text of texts) for (const match of text.matchAll(TODO_ANYWHERE)) numbers.add(match[1]!);
  return [...numbers].sort();
}

export function allErrors(run: ChapterRun): TestError[] {
  return [...run.fileErrors.map((entry) => entry.error), ...run.tests.flatMap((test) => test.errors)];
}

/** The frames a learner can act on: chapters/ and the test file, not helpers or libraries. */
export function learnerFrames(error: TestError, root: string): Frame[] {
  const frames: Frame[] = [];
  for (const frame of error.stacks ?? []) {
    let file = frame.file;
    if (file.startsWith('file://')) file = file.slice('file://'.length);
    if (file.startsWith('node:') || !path.isAbsolute(file)) continue;
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (rel.startsWith('..') || rel.includes('node_modules/')) continue;
    if (rel.startsWith('test/helpers/') || rel.startsWith('tools/runner/')) continue;
    if (!rel.startsWith('chapters/') && !rel.startsWith('test/')) continue;
    // The TODO helper itself says nothing: the frame below it names the function to write.
    if (rel === 'core/errors.ts' && frame.method === 'todo') continue;
    frames.push({ method: frame.method, file: rel, line: frame.line, column: frame.column });
  }
  return frames;
}

/** A few lines of the file around line:column, with a marker, or undefined if unreadable. */
export function codeFrame(root: string, frame: Frame, c: Colors): string | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(root, frame.file), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  if (frame.line < 1 || frame.line > lines.length) return undefined;
  const first = Math.max(1, frame.line - 2);
  let last = Math.min(lines.length, frame.line + 2);
  while (last > frame.line && lines[last - 1]!.trim() === '') last--;
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const gutter = String(n).padStart(width);
    const text = lines[n - 1]!.replace(/\t/g, '  ');
    if (n === frame.line) {
      out.push(`${c.red('>')} ${c.dim(gutter)} | ${text}`);
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, frame.column - 1))}${c.red('^')}`);
    } else {
      out.push(`  ${c.dim(gutter)} | ${c.dim(text)}`);
    }
  }
  return out.join('\n');
}

/** How much of a property test's counterexample is shown. */
const COUNTEREXAMPLE_CHARS = 240;

/**
 * A fast-check failure, short: the seed and the replay path line becomes the seed alone, and a long
 * counterexample is cut (it is already the smallest one fast-check found; the test's own message
 * below it says what went wrong with it).
 */
export function shortenProperty(message: string): string {
  if (!/^Property failed after /m.test(message)) return message;
  return message
    .split('\n')
    .map((line) => {
      const seed = /^\{ seed: (-?\d+), path: "[^"]*"(?:, endOnFailure: true)? \}$/.exec(line.trim());
      if (seed) return `(seed ${seed[1]})`;
      if (line.startsWith('Counterexample: ') && line.length > COUNTEREXAMPLE_CHARS) {
        return `${line.slice(0, COUNTEREXAMPLE_CHARS)}… (${line.length - COUNTEREXAMPLE_CHARS} more characters)`;
      }
      return line;
    })
    .join('\n');
}

/** One error: name and message verbatim, the assertion diff, the learner's frames and a code frame. */
export function formatError(error: TestError, root: string, c: Colors, color: boolean): string {
  const clean = (text: string): string => (color ? text : stripAnsi(text));
  const out: string[] = [];
  const name = error.name && error.name !== 'Error' && error.name !== 'AssertionError' ? `${error.name}: ` : '';
  const message = shortenProperty(clean(error.message ?? String(error)));
  out.push(c.red(c.bold(name)) + message);
  if (error.diff && !isNotImplemented(error)) out.push('', clean(error.diff));
  const frames = learnerFrames(error, root);
  if (isNotImplemented(error)) {
    const own = frames.find((frame) => frame.file.startsWith('chapters/'));
    if (own) out.push(c.dim(`  at ${own.method || '<anonymous>'} (${own.file}:${own.line})`));
  } else if (frames.length > 0) {
    out.push('');
    for (const frame of frames.slice(0, 6)) {
      const where = `${frame.file}:${frame.line}:${frame.column}`;
      const text = frame.method ? `at ${frame.method} (${where})` : `at ${where}`;
      out.push(frame.file.startsWith('chapters/') ? `  ${c.cyan(text)}` : c.dim(`  ${text}`));
    }
    const own = frames.find((frame) => frame.file.startsWith('chapters/'));
    const shown = own ? codeFrame(root, own, c) : undefined;
    if (shown) out.push('', indent(shown));
  }
  if (error.cause && typeof error.cause === 'object' && 'message' in error.cause) {
    out.push('', c.dim('Caused by: ') + formatError(error.cause, root, c, color));
  }
  return out.join('\n');
}

/** A test's failure: its name, then its errors and what it printed. */
export function formatFailure(test: TestOutcome, root: string, c: Colors, color: boolean, chapter?: string): string {
  const out = [`${c.red('✗')} ${c.bold(test.name)}  ${c.dim(test.file)}`];
  for (const error of test.errors) out.push(indent(formatError(error, root, c, color), '    '));
  // The server's notices about later chapters' TODOs (their stand-ins) are not this chapter's business.
  const logs = test.logs.filter((log) => {
    const later = /^Chapter (\d\d): implement /.exec(log)?.[1];
    return chapter === undefined || later === undefined || later <= chapter;
  });
  if (logs.length > 0) {
    out.push(c.dim('    printed:'));
    for (const log of logs.slice(-10)) out.push(c.dim(indent(color ? log : stripAnsi(log), '      ')));
  }
  return out.join('\n');
}

/**
 * The failures of a chapter, shortest useful form: tests that fail with the same starter TODO are
 * grouped under one message; other failures are shown one by one, up to `limit`, then only named.
 */
export interface FailureOptions {
  /** How many failures to show in full (default 3); the rest are only named. */
  readonly limit?: number;
  /** Only these tests (keys). */
  readonly only?: ReadonlySet<string>;
  /** How many test names to list under a TODO (default 0: one line per TODO). */
  readonly todoNames?: number;
  /** Filled with the tests whose failure was shown (key → message), so later reports know what is new. */
  readonly seen?: Map<string, string>;
}

/** A failure's message as reports compare it: the same text means the same failure. */
export function failureText(test: TestOutcome): string {
  return test.errors.map((error) => error.message).join('\n');
}

export function formatFailures(run: ChapterRun, root: string, c: Colors, color: boolean, options: FailureOptions = {}): string {
  const { limit = 3, only, todoNames = 0, seen } = options;
  const out: string[] = [];
  for (const { file, error } of run.fileErrors) {
    out.push(`${c.red('✗')} ${c.bold(file)} ${c.red('could not run')}`);
    out.push(indent(formatError(error, root, c, color), '    '));
    out.push('');
  }
  const failing = run.tests.filter((test) => test.state === 'failed' && (only === undefined || only.has(test.key)));
  // Tests that fail because of a TODO (directly, or quoting one) are grouped under that TODO: until
  // the function exists, what the test expected of it is beside the point.
  const todos = new Map<string, { text: string; error?: TestError; tests: TestOutcome[] }>();
  const others: TestOutcome[] = [];
  for (const test of failing) {
    const todo = todoOf(test, run.chapter.number);
    if (todo) {
      const group = todos.get(todo.text) ?? { text: todo.text, tests: [] };
      group.error ??= todo.error;
      group.tests.push(test);
      todos.set(todo.text, group);
    } else {
      others.push(test);
    }
  }
  for (const group of [...todos.values()].sort((a, b) => a.text.localeCompare(b.text))) {
    for (const test of group.tests) seen?.set(test.key, failureText(test));
    const count = group.tests.length === 1 ? '1 test' : `${group.tests.length} tests`;
    if (todoNames === 0) {
      const frame = group.error ? learnerFrames(group.error, root).find((f) => f.file.startsWith('chapters/')) : undefined;
      const text = frame ? group.text.replace(/ \((chapters\/[^)\s]+\.ts)\)$/, ` (${frame.file}:${frame.line})`) : group.text;
      out.push(`${c.yellow('○ TODO')} ${text} ${c.dim(`— ${count}`)}`);
      continue;
    }
    out.push(`${c.yellow('○')} ${c.bold(`TODO (${count})`)}`);
    const error: TestError = group.error ?? { name: 'NotImplementedError', message: group.text };
    out.push(indent(formatError(error, root, c, color), '    '));
    for (const test of group.tests.slice(0, todoNames)) out.push(c.dim(`      · ${test.name}`));
    if (group.tests.length > todoNames) out.push(c.dim(`      · … and ${group.tests.length - todoNames} more`));
    out.push('');
  }
  if (todoNames === 0 && todos.size > 0) out.push('');
  for (const test of others.slice(0, limit)) {
    seen?.set(test.key, failureText(test));
    out.push(formatFailure(test, root, c, color, run.chapter.number), '');
  }
  if (others.length > limit) {
    out.push(c.dim(`… and ${others.length - limit} more failing:`));
    for (const test of others.slice(limit)) out.push(`  ${c.red('✗')} ${test.name}`);
    out.push('');
  }
  return out.join('\n').replace(/\n+$/, '');
}

/** "3 of 12 tests failing" and friends. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "all 12 tests pass" / "its one test passes". */
export function passedCount(count: number): string {
  return count === 1 ? 'its one test passes' : `all ${count} tests pass`;
}
