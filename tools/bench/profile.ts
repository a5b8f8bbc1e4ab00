/**
 * Summarises a V8 CPU profile (`.cpuprofile`, as `node --cpu-prof` or `npm run bench -- --cpu-prof
 * DIR` writes them): the functions that spent the most time themselves ("self" time), with their
 * share of the samples, and the same grouped by file.
 *
 *   npx tsx tools/bench/profile.ts FILE.cpuprofile [--top 25]
 *   npx tsx tools/bench/profile.ts DIR             (every profile below DIR, one after another)
 *
 * Self time is where the CPU was, not who asked for it: a function that calls an expensive one
 * shows little self time itself. The idle and garbage-collector entries are kept: the first says
 * how busy the process was, the second what allocation cost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly share: number;
}

/** Self-time shares by function (`name file:line`) and by file, largest first. */
export function summariseProfile(profile: Profile): { byFunction: ProfileLine[]; byFile: ProfileLine[] } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) continue;
    const file = frame.url === '' ? '(native)' : path.basename(frame.url.replace(/^file:\/\//, ''));
    const name = `${frame.functionName || '(anonymous)'}${frame.url === '' ? '' : ` ${file}:${frame.lineNumber + 1}`}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + 1);
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
  }
  const total = profile.samples.length || 1;
  const lines = (counts: Map<string, number>): ProfileLine[] =>
    [...counts].map(([name, count]) => ({ name, share: count / total })).sort((a, b) => b.share - a.share);
  return { byFunction: lines(byFunction), byFile: lines(byFile) };
}

function profilesIn(target: string): string[] {
  if (!fs.statSync(target).isDirectory()) return [target];
  return fs
    .readdirSync(target, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort()
    .map((file) => path.join(target, file));
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new Error('usage: npx tsx tools/bench/profile.ts FILE.cpuprofile|DIR [--top N]');
  const top = Number(values.top);
  const percent = (share: number): string => `${(share * 100).toFixed(1).padStart(5)} %`;
  for (const file of profilesIn(positionals[0]!)) {
    const { byFunction, byFile } = summariseProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile);
    console.log(`${path.relative(process.cwd(), file)}\n  self time by function:`);
    for (const line of byFunction.slice(0, top)) console.log(`  ${percent(line.share)}  ${line.name}`);
    console.log('  self time by file:');
    for (const line of byFile.slice(0, 10)) console.log(`  ${percent(line.share)}  ${line.name}`);
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) main();
