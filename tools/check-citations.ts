/**
 * The citation check: every RFC section the workbook cites exists.
 *
 * A workbook's text is read as the truth, and a wrong section number sends the reader to the wrong
 * page of the RFC. This script reads every text and code file the workbook is made of (the chapters,
 * the solutions, the tests, the tools, the site's sources, README.md) and finds each citation:
 *
 *   RFC 6455 §5.5.1   §4.2.2 step 5.5   §4.1 item 9   §2–§5   RFC 9112 §3.2.2   RFC 6455 section 5.2
 *
 * Each cited section must be in that RFC's list in `tools/rfc-sections/` (one section number and its
 * title a line, written from the RFC's table of contents), and a cited step or item must be one of
 * the numbered steps listed for that section, where the list names them. RFC 6455, 7692, 9110, 9112
 * and 3629 (UTF-8) have lists; a citation of another RFC is counted and left alone.
 *
 * Which RFC a bare `§5.5` cites: the one named right after it (`§3.2 of RFC 9112`); else the nearest
 * "RFC NNNN" before it, on its line and then in the lines above it of the same comment or paragraph;
 * else the first one after it, on its line and then below; else RFC 6455, the workbook's subject.
 * So `RFC 9112 §3.2, §5` cites RFC 9112 twice, and a paragraph that starts with "RFC 9110 §7.8"
 * keeps citing RFC 9110 until another RFC is named: name RFC 6455 again when the text goes back.
 *
 * Usage: `npx tsx tools/check-citations.ts [--list] [file or folder …]` (default: the whole
 * workbook). Prints one line per bad citation (`file:line: the citation: why`) and exits 1, or one
 * OK line. `--list` first prints every citation found, with the RFC it was read as citing.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const listsDir = path.join(import.meta.dirname, 'rfc-sections');

/** What the workbook is made of, when no paths are given. Folders that do not exist are skipped. */
const DEFAULT_PATHS = ['README.md', 'chapters', 'solutions', 'test', 'tools', 'site/src', 'core', 'server'];
const SKIPPED_DIRS = new Set(['node_modules', '.tmp', 'build', '.docusaurus', '.workbook', '.git']);
const TEXT_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|md|mdx)$/;
const MARKDOWN_FILE = /\.mdx?$/;
/** The RFC the workbook is about: a § with no RFC named around it cites this one. */
const DEFAULT_RFC = '6455';

/** One RFC's sections, and for some sections the numbers of their steps. */
export interface SectionList {
  readonly sections: ReadonlySet<string>;
  readonly steps: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly citation: string;
  readonly why: string;
}

/** One citation as read: where it is, the RFC it was read as citing, and its text. */
export interface Found {
  readonly file: string;
  readonly line: number;
  readonly rfc: string;
  readonly citation: string;
}

export interface CheckResult {
  readonly problems: Problem[];
  readonly found: Found[];
  /** Citations of an RFC that has a list, all checked. */
  readonly checked: number;
  /** Citations of other RFCs, not checked. */
  readonly unchecked: number;
  readonly files: number;
}

/** Reads `tools/rfc-sections/rfcNNNN.txt`: `5.5.1 Close` or `4.2.2 step 5.5 Sec-WebSocket-Protocol`. */
export function readSectionLists(dir: string = listsDir): Map<string, SectionList> {
  const lists = new Map<string, SectionList>();
  for (const name of fs.readdirSync(dir)) {
    const match = /^rfc(\d+)\.txt$/.exec(name);
    if (match === null) continue;
    const sections = new Set<string>();
    const steps = new Map<string, Set<string>>();
    for (const raw of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const step = /^(\S+)\s+step\s+(\S+)/.exec(line);
      if (step !== null) {
        const [, section, number] = step as unknown as [string, string, string];
        if (!steps.has(section)) steps.set(section, new Set());
        steps.get(section)!.add(number);
      } else {
        sections.add(line.split(/\s+/)[0]!);
      }
    }
    lists.set(match[1]!, { sections, steps });
  }
  return lists;
}

// ─── finding citations ───────────────────────────────────────────────────────────────────────────

/** A section number: `5`, `5.5.1`, or an appendix, `A`, `B.1`. */
const SECTION = String.raw`(?:\d+(?:\.\d+)*|[A-H](?:\.\d+)*)(?![\w])`;
const STEP_NUMBER = String.raw`\d+(?:\.\d+)*`;
/** `step 5.5`, `items 5.4 and 5.5`, `steps 1–3`. */
const STEPS = String.raw`(?:steps?|items?)\s+(${STEP_NUMBER}(?:\s*(?:,|and|or|–|-)\s*${STEP_NUMBER})*)`;

/** `§4.2.2`, `§ 4.2.2`, `§2–§5`, `§2–5`, then maybe `step 5.5`. */
const SIGN_CITATION = new RegExp(
  String.raw`§\s?(${SECTION})(?:\s?[–-]\s?§?\s?(${SECTION}))?(?:,?\s+${STEPS})?`,
  'g',
);
/** `step 4 of §4.2.2`: the steps come first. */
const STEPS_BEFORE = new RegExp(String.raw`${STEPS}\s+(?:of|in)\s+§\s?(${SECTION})`, 'g');
/** Where an "RFC" starts: a word boundary, or right after an escape such as `\n` in a string. */
const RFC_START = String.raw`(?:\b|(?<=\\[nrt]))RFC`;
/** `RFC 6455 section 5.2`, `RFC 6455, Section 5.2`. */
const WORD_AFTER_RFC = new RegExp(String.raw`${RFC_START}\s?(\d{3,5}),?\s+[Ss]ections?\s+(${SECTION})`, 'g');
/** `Section 5.2 of RFC 6455`. */
const WORD_BEFORE_RFC = new RegExp(String.raw`\b[Ss]ections?\s+(${SECTION})\s+of\s+\[?RFC\s?(\d{3,5})`, 'g');
const RFC_MENTION = new RegExp(String.raw`${RFC_START}\s?(\d{3,5})\b`, 'g');

interface Citation {
  /** Where the citation starts in its line, for choosing the RFC. */
  readonly index: number;
  readonly text: string;
  readonly sections: string[];
  readonly steps: string[];
  /** When the citation itself names the RFC. */
  readonly rfc?: string;
}

function splitSteps(list: string | undefined): string[] {
  return list === undefined ? [] : list.split(/\s*(?:,|and|or|–|-)\s*/).filter((step) => step !== '');
}

/** Every citation on one line. */
function citationsIn(line: string): Citation[] {
  const found: Citation[] = [];
  const covered: [number, number][] = [];
  for (const match of line.matchAll(STEPS_BEFORE)) {
    found.push({ index: match.index, text: match[0], sections: [match[2]!], steps: splitSteps(match[1]) });
    covered.push([match.index, match.index + match[0].length]);
  }
  for (const match of line.matchAll(SIGN_CITATION)) {
    if (covered.some(([start, end]) => match.index >= start && match.index < end)) continue;
    const sections = [match[1]!, ...(match[2] === undefined ? [] : [match[2]])];
    found.push({ index: match.index, text: match[0].trim(), sections, steps: splitSteps(match[3]) });
  }
  for (const match of line.matchAll(WORD_AFTER_RFC)) {
    found.push({ index: match.index, text: match[0], sections: [match[2]!], steps: [], rfc: match[1]! });
  }
  for (const match of line.matchAll(WORD_BEFORE_RFC)) {
    found.push({ index: match.index, text: match[0], sections: [match[1]!], steps: [], rfc: match[2]! });
  }
  return found;
}

interface Mention {
  readonly index: number;
  readonly rfc: string;
}

function mentionsIn(line: string): Mention[] {
  return [...line.matchAll(RFC_MENTION)].map((match) => ({ index: match.index, rfc: match[1]! }));
}

// ─── blocks: which lines share a context ─────────────────────────────────────────────────────────

/**
 * For each line, the first and last line of its block: the lines an RFC named once keeps covering.
 * In Markdown a block is a paragraph or one list item; a table row, a heading and a line of a code
 * fence stand alone. In code it is one comment (a `/* … *\/` or a run of `//` lines); any other
 * line stands alone.
 */
function blocksOf(lines: string[], markdown: boolean): { start: number[]; end: number[] } {
  const start: number[] = new Array(lines.length);
  let current = 0;
  if (markdown) {
    let fenced = false;
    let open = false;
    lines.forEach((line, i) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        open = false;
        start[i] = current = i;
        return;
      }
      const alone = fenced || /^\s*(\||#{1,6}\s|<)/.test(line);
      const opensItem = /^\s*([-*+]|\d+\.)\s/.test(line);
      if (line.trim() === '') {
        open = false;
        start[i] = current = i;
      } else if (alone) {
        open = false;
        start[i] = current = i;
      } else {
        if (!open || opensItem) current = i;
        open = true;
        start[i] = current;
      }
    });
  } else {
    let inComment = false;
    let previousSlashes = false;
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (inComment) {
        start[i] = current;
        if (trimmed.includes('*/')) inComment = false;
        previousSlashes = false;
      } else if (/^\{?\/\*/.test(trimmed)) {
        start[i] = current = i;
        inComment = !trimmed.slice(2).includes('*/');
        previousSlashes = false;
      } else if (trimmed.startsWith('//')) {
        if (!previousSlashes) current = i;
        start[i] = current;
        previousSlashes = true;
      } else {
        start[i] = current = i;
        previousSlashes = false;
      }
    });
  }
  const end: number[] = new Array(lines.length);
  for (let i = lines.length - 1; i >= 0; i--) {
    end[i] = i + 1 < lines.length && start[i + 1] === start[i] ? end[i + 1]! : i;
  }
  return { start, end };
}

/** The RFC a citation at `index` of line `i` cites, by the rule in the header. */
function rfcFor(citation: Citation, i: number, lines: string[], mentions: Mention[][], start: number[], end: number[]): string {
  // 1. "§3.2 of RFC 9112": the RFC named right after it.
  const right = /^\s*(?:of|in)\s+\[?RFC\s?(\d{3,5})/.exec(lines[i]!.slice(citation.index + citation.text.length));
  if (right !== null) return right[1]!;
  // 2. The nearest one before it: on its line, then in the lines of its comment or paragraph above.
  const before = mentions[i]!.filter((mention) => mention.index < citation.index);
  if (before.length > 0) return before[before.length - 1]!.rfc;
  for (let j = i - 1; j >= start[i]!; j--) {
    const previous = mentions[j]!;
    if (previous.length > 0) return previous[previous.length - 1]!.rfc;
  }
  // 3. The first one after it: on its line, then below in its comment or paragraph.
  const after = mentions[i]!.find((mention) => mention.index > citation.index);
  if (after !== undefined) return after.rfc;
  for (let j = i + 1; j <= end[i]!; j++) {
    const next = mentions[j]!;
    if (next.length > 0) return next[0]!.rfc;
  }
  return DEFAULT_RFC;
}

// ─── checking ────────────────────────────────────────────────────────────────────────────────────

/** What does exist around a missing section, for the message: its parent's subsections. */
function near(list: SectionList, section: string): string {
  const parent = section.includes('.') ? section.slice(0, section.lastIndexOf('.')) : '';
  const children = [...list.sections].filter((s) =>
    parent === '' ? !s.includes('.') : s.startsWith(`${parent}.`) && !s.slice(parent.length + 1).includes('.'),
  );
  if (parent === '') return `its top-level sections are ${children.join(', ')}`;
  if (!list.sections.has(parent)) return `nor a section ${parent}`;
  return children.length > 0 ? `§${parent} has ${children.join(', ')}` : `§${parent} has no subsections`;
}

/** Checks the text of one file. `file` is only used in the problems it reports. */
export function checkText(
  file: string,
  text: string,
  lists: Map<string, SectionList>,
): { problems: Problem[]; found: Found[]; checked: number; unchecked: number } {
  const lines = text.split('\n');
  const { start, end } = blocksOf(lines, MARKDOWN_FILE.test(file));
  const mentions = lines.map(mentionsIn);
  const problems: Problem[] = [];
  const found: Found[] = [];
  let checked = 0;
  let unchecked = 0;
  lines.forEach((line, i) => {
    for (const citation of citationsIn(line)) {
      const rfc = citation.rfc ?? rfcFor(citation, i, lines, mentions, start, end);
      const shown = citation.rfc === undefined ? `RFC ${rfc} ${citation.text}` : citation.text;
      found.push({ file, line: i + 1, rfc, citation: shown });
      const list = lists.get(rfc);
      if (list === undefined) {
        unchecked++;
        continue;
      }
      checked++;
      const report = (why: string) => problems.push({ file, line: i + 1, citation: shown, why });
      for (const section of citation.sections) {
        if (!list.sections.has(section)) {
          report(`RFC ${rfc} has no section ${section} (${near(list, section)})`);
        }
      }
      const stepList = list.steps.get(citation.sections[0]!);
      if (stepList === undefined || citation.sections.length > 1) continue;
      for (const step of citation.steps) {
        if (!stepList.has(step)) {
          report(`§${citation.sections[0]} has no step ${step} (its steps: ${[...stepList].join(', ')})`);
        }
      }
    }
  });
  return { problems, found, checked, unchecked };
}

function filesUnder(target: string): string[] {
  if (!fs.existsSync(target)) return [];
  if (fs.statSync(target).isFile()) return [target];
  const files: string[] = [];
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...filesUnder(path.join(target, entry.name)));
    } else if (TEXT_FILE.test(entry.name)) {
      files.push(path.join(target, entry.name));
    }
  }
  return files.sort();
}

/** Checks every text file under `targets` (files or folders). */
export function checkCitations(targets: string[], lists = readSectionLists()): CheckResult {
  const files = targets.flatMap(filesUnder);
  const problems: Problem[] = [];
  const found: Found[] = [];
  let checked = 0;
  let unchecked = 0;
  for (const file of files) {
    const result = checkText(path.relative(process.cwd(), file), fs.readFileSync(file, 'utf8'), lists);
    problems.push(...result.problems);
    found.push(...result.found);
    checked += result.checked;
    unchecked += result.unchecked;
  }
  return { problems, found, checked, unchecked, files: files.length };
}

function main(): void {
  const args = process.argv.slice(2);
  const list = args.includes('--list');
  const paths = args.filter((arg) => arg !== '--list');
  const targets = paths.length > 0 ? paths.map((arg) => path.resolve(arg)) : DEFAULT_PATHS.map((p) => path.join(root, p));
  const result = checkCitations(targets);
  if (list) for (const item of result.found) console.log(`${item.file}:${item.line}: ${item.citation}`);
  for (const problem of result.problems) {
    console.log(`${problem.file}:${problem.line}: ${problem.citation}: ${problem.why}`);
  }
  if (result.problems.length > 0) {
    console.log(`${result.problems.length} citation(s) name a section or step the RFC does not have (lists: tools/rfc-sections/)`);
    process.exit(1);
  }
  const rfcs = [...readSectionLists().keys()].sort().join(', ');
  console.log(
    `citations OK: ${result.checked} citations of RFC ${rfcs} in ${result.files} files exist` +
      (result.unchecked > 0 ? ` (${result.unchecked} of other RFCs not checked)` : ''),
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
