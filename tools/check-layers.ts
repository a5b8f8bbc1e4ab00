/**
 * The layer check: imports run one way, and there are no import cycles.
 *
 *   npx tsx tools/check-layers.ts        (part of npm test)
 *
 * The layers, each importing only from the ones before it:
 *
 * ```
 * core/  ←  chapters/NN-…, solutions/NN-…  ←  server/wiring  ←  server/app  ←  server/demo
 * ```
 *
 * - core/ imports nothing else of the repo, and no `node:` module (the site runs it in a browser).
 * - A chapter imports core/ and the chapters of its own tree numbered up to its own, never a later
 *   chapter, the other tree or server/.
 * - The given code names the tree's chapters `@impl/…`; only server/wiring/layers.ts imports values
 *   from them (that is where stand-ins are chosen): every other given file imports types only.
 * - tools/wire/ (the client toolkit) imports neither tree nor server/ (core/'s constants at most), so it
 *   can check any server.
 *
 * Imports are read with a regular expression over the source (static `import`/`export … from` and
 * dynamic `import('…')` with a literal), which is all this repo writes. A cycle is reported among
 * value imports (`import type` is erased and cannot make one at run time).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Import {
  readonly from: string;
  readonly line: number;
  readonly specifier: string;
  readonly typeOnly: boolean;
  /** The repo-relative file it resolves to, or null for a package or `node:` module. */
  readonly target: string | null;
}

const SOURCE = /\.(ts|tsx|mts|mjs)$/;
const IMPORT = /(?:^|\n)[ \t]*(?:import|export)[ \t]+(type[ \t]+)?(?:[\w*{}\s,$]*?[ \t\n]from[ \t]+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every source file below `dir` (repo-relative, `/`-separated). */
function sources(root: string, dir: string): string[] {
  const base = path.join(root, dir);
  if (!fs.existsSync(base)) return [];
  return (fs.readdirSync(base, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

function importsOf(root: string, file: string): Import[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2] ?? match[3]!;
    const line = text.slice(0, match.index + match[0].length).split('\n').length;
    let target: string | null = null;
    if (specifier.startsWith('@impl/')) target = `@impl/${specifier.slice('@impl/'.length)}`;
    else if (specifier.startsWith('.')) target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    found.push({ from: file, line, specifier, typeOnly: match[1] !== undefined, target });
  }
  return found;
}

/** `solutions/05-frames/decode.ts` → { tree: 'solutions', chapter: 5 }. */
function chapterOf(file: string): { tree: string; chapter: number } | null {
  const match = /^(chapters|solutions)\/(\d\d)-[^/]+\//.exec(file);
  return match ? { tree: match[1]!, chapter: Number(match[2]) } : null;
}

/** The layer rule an import breaks, or null. */
function violation(imp: Import): string | null {
  const { from, target } = imp;
  if (from.startsWith('core/')) {
    if (imp.specifier.startsWith('node:')) return 'core/ is runtime-agnostic: no node: modules';
    if (target !== null && !target.startsWith('core/')) return 'core/ imports nothing but core/';
    return null;
  }
  const own = chapterOf(from);
  if (own !== null) {
    if (target === null || target.startsWith('core/')) return null;
    const other = chapterOf(target);
    if (other === null) return `a chapter imports core/ and earlier chapters only, not ${target}`;
    if (other.tree !== own.tree) return `a chapter never imports the other tree (${other.tree}/)`;
    if (other.chapter > own.chapter) return `chapter ${own.chapter} imports a later chapter (${other.chapter}): layers import one way`;
    return null;
  }
  if (from.startsWith('server/')) {
    if (target === null) return null;
    if (target.startsWith('chapters/') || target.startsWith('solutions/')) return 'the given code names the tree @impl/…, never a tree folder';
    if (target.startsWith('@impl/')) {
      if (!imp.typeOnly && from !== 'server/wiring/layers.ts') return 'only server/wiring/layers.ts imports values from the tree (stand-ins are chosen there)';
      return null;
    }
    const order = ['core', 'server/wiring', 'server/app', 'server/demo'];
    const rank = (file: string) => order.findIndex((prefix) => file.startsWith(`${prefix}/`));
    if (rank(target) < 0) return `the given code imports core/ and server/ only, not ${target}`;
    if (rank(target) > rank(from)) return `${order[rank(from)]} imports ${order[rank(target)]}: layers import one way`;
    return null;
  }
  if (from.startsWith('tools/wire/')) {
    if (target !== null && !target.startsWith('tools/wire/') && !target.startsWith('core/')) {
      return 'the client toolkit imports no implementation (core/ at most), so it can check any server';
    }
    return null;
  }
  return null;
}

/** Cycles among value imports, each as its files in order. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'active') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

/** Every problem in the repo at `root`, as `file:line: message` lines. */
export function checkLayers(root: string): string[] {
  const files = ['core', 'chapters', 'solutions', 'server', 'tools/wire'].flatMap((dir) => sources(root, dir));
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const edges: string[] = [];
    for (const imp of importsOf(root, file)) {
      const broken = violation(imp);
      if (broken !== null) problems.push(`${file}:${imp.line}: import '${imp.specifier}': ${broken}`);
      // For cycles, @impl/ is the reference tree.
      const target = imp.target?.replace(/^@impl\//, 'solutions/') ?? null;
      if (target !== null && !imp.typeOnly) edges.push(target);
    }
    graph.set(file, edges);
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(' → ')}`);
  return problems;
}

function main(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkLayers(path.resolve(process.argv[2] ?? root));
  if (problems.length === 0) {
    console.log('layers: every import runs one way (core ← chapters ← server/wiring ← server/app ← server/demo), no cycles');
    return;
  }
  console.error(`layers: ${problems.length} import(s) against the layer order:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
