/**
 * Starters are generated from the solutions, so the two never drift apart.
 *
 * In a solution file, `// @solution <task>` … `// @end` marks what the learner writes: the starter
 * gets `return todo('<file>', '<task>')` there instead, which throws a NotImplementedError naming the
 * chapter, the file and the task. `// @remove` … `// @end` is left out of the starter entirely (private
 * helpers and fields that would give the answer away); inside it, `// @starter <code>` lines become
 * `<code>` in the starter. Everything else (signatures, doc comments, types) is shared.
 *
 *   npm run starters            write chapters/ from solutions/
 *   npm run starters -- --check exit 1 if a committed starter is out of date
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOLUTIONS = 'solutions';
const CHAPTERS = 'chapters';

const SOLUTION = /^(\s*)\/\/ @solution (.+)$/;
const REMOVE = /^\s*\/\/ @remove\s*$/;
const END = /^\s*\/\/ @end\s*$/;
const STARTER_LINE = /^(\s*)\/\/ @starter (.*)$/;

/**
 * The starter for one solution file. `file` is the starter's path relative to the repo root
 * (`chapters/03-accept-key/accept-key.ts`), used in the TODO messages.
 */
export function starterFor(file: string, source: string): string {
  if (!file.endsWith('.ts')) return source;
  const lines = source.split('\n');
  const out: string[] = [];
  let region: 'solution' | 'remove' | null = null;
  let regionStart = 0;
  let usesTodo = false;
  /** After a removed region, a blank line that would now follow `{` or another blank is dropped. */
  let dropBlank = false;
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    if (dropBlank) {
      dropBlank = false;
      const last = out.at(-1) ?? '';
      if (line.trim() === '' && (last.trim() === '' || last.trimEnd().endsWith('{'))) return;
    }
    if (region === null) {
      const solution = SOLUTION.exec(line);
      if (solution) {
        const [, indent, task] = solution;
        out.push(`${indent}// TODO (see the chapter's README)`);
        out.push(`${indent}return todo(${quote(file)}, ${quote(task!.trim())});`);
        usesTodo = true;
        region = 'solution';
        regionStart = index;
      } else if (REMOVE.test(line)) {
        region = 'remove';
        regionStart = index;
      } else if (END.test(line)) {
        throw new Error(`${where}: "// @end" without an opening marker`);
      } else {
        out.push(line);
      }
      return;
    }
    if (SOLUTION.test(line) || REMOVE.test(line)) {
      throw new Error(`${where}: marker inside the region opened at line ${regionStart + 1}`);
    }
    if (END.test(line)) {
      dropBlank = region === 'remove';
      region = null;
      return;
    }
    const starterLine = STARTER_LINE.exec(line);
    if (region === 'remove' && starterLine) out.push(`${starterLine[1]}${starterLine[2]}`);
  });
  if (region !== null) throw new Error(`${file}:${regionStart + 1}: region never closed with "// @end"`);
  let text = out.join('\n');
  if (usesTodo && !/import \{[^}]*\btodo\b[^}]*\} from/.test(text)) text = addTodoImport(file, text);
  return text;
}

/** Adds `import { todo } from '…/core/errors.ts'` after the last import (or the header comment). */
function addTodoImport(file: string, text: string): string {
  const depth = file.split('/').length - 1; // chapters/NN/x.ts → ../../core
  const from = `${'../'.repeat(depth)}core/errors.ts`;
  const statement = `import { todo } from '${from}';`;
  // An import from the same module already there takes `todo` too.
  const existing = new RegExp(`^import \\{ ([^}]+) \\} from '${from.replace(/[.]/g, '\\.')}';$`, 'm');
  if (existing.test(text)) return text.replace(existing, (_, names: string) => `import { ${names}, todo } from '${from}';`);
  const lines = text.split('\n');
  let lastImport = -1;
  for (let i = 0; i < lines.length; i++) {
    if (/^import .* from '.*';$/.test(lines[i]!) || /^\} from '.*';$/.test(lines[i]!)) lastImport = i;
  }
  if (lastImport >= 0) {
    lines.splice(lastImport + 1, 0, statement);
  } else {
    const headerEnd = lines.findIndex((line) => line.startsWith(' */'));
    lines.splice(headerEnd + 1, 0, statement, '');
  }
  return lines.join('\n');
}

/** A single-quoted TypeScript string literal. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Every file below `dir`, relative to it, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Every starter file: path relative to the repo root (`chapters/…`) → content. */
export function generateStarters(): Map<string, string> {
  const starters = new Map<string, string>();
  for (const rel of listFiles(path.join(root, SOLUTIONS))) {
    const file = `${CHAPTERS}/${rel}`;
    starters.set(file, starterFor(file, fs.readFileSync(path.join(root, SOLUTIONS, rel), 'utf8')));
  }
  return starters;
}

/** The committed version of a file, or null when it is not in git's HEAD (or there is no git). */
export function committed(file: string): string | null {
  try {
    return execFileSync('git', ['show', `HEAD:${file}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/**
 * Starters that differ from what the solutions generate. A starter is current when the working tree
 * or the last commit holds the generated text, so a learner's uncommitted edits do not count.
 */
export function staleStarters(): string[] {
  const stale: string[] = [];
  for (const [file, content] of generateStarters()) {
    const onDisk = path.join(root, file);
    const working = fs.existsSync(onDisk) ? fs.readFileSync(onDisk, 'utf8') : null;
    if (working === content || committed(file) === content) continue;
    stale.push(file);
  }
  return stale;
}

function main(): void {
  if (process.argv.includes('--check')) {
    const stale = staleStarters();
    if (stale.length === 0) return console.log('starters: every starter matches its solution');
    console.error(`starters: ${stale.length} starter(s) out of date; run \`npm run starters\` and commit:`);
    for (const file of stale) console.error(`  ${file}`);
    process.exit(1);
  }
  let written = 0;
  for (const [file, content] of generateStarters()) {
    const target = path.join(root, file);
    if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    written++;
    console.log(`wrote ${file}`);
  }
  console.log(`starters: ${written} file(s) written`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
