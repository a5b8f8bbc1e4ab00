/**
 * A V8 heap snapshot (`.heapsnapshot`, the JSON that `v8.writeHeapSnapshot` and
 * `node --heapsnapshot-signal` write) summed up by class: how many objects of each constructor and
 * how many bytes they take themselves (self size). Two snapshots of one server, taken before and
 * after N connections opened, give what one connection holds: the difference divided by N.
 *
 *   npx tsx tools/bench/memory-snapshot.ts before.heapsnapshot after.heapsnapshot 1000 [--detail]
 *
 * The file is a flat table: `nodes` is one long array of numbers, `snapshot.meta.node_fields`
 * says how many numbers one node takes and which is which (type, name, self_size …), names are
 * indexes into `strings`. Objects are grouped by constructor name, closures by function name
 * (a closure made per connection shows up as "closure drained"), everything else by its type:
 * strings, compiled code, V8's internal arrays (an object's out-of-line properties, a Map's table).
 */
import fs from 'node:fs';

/** What a snapshot holds of one class (or one kind of V8 internal). */
export interface ClassTotal {
  count: number;
  selfBytes: number;
}

interface SnapshotFile {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
      readonly location_fields?: string[];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly locations?: number[];
  readonly strings: string[];
}

/** Node types whose name says which class they are; the others are grouped by type alone. */
const NAMED_TYPES = new Set(['object', 'closure', 'native', 'regexp']);

/**
 * Reads a snapshot and totals its nodes by class. With `detail`, a plain `Object` is told apart by
 * its first property names, a closure by where its function is written (line:column of the
 * script), and an internal array or string by the class of the object that holds it.
 */
export function summariseSnapshot(file: string, detail = false): Map<string, ClassTotal> {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as SnapshotFile;
  const { meta } = data.snapshot;
  const width = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const { nodes, strings } = data;
  const typeOf = (node: number): string => meta.node_types[0][nodes[node * width + typeAt]!] ?? 'unknown';
  const nameOf = (node: number): string => strings[nodes[node * width + nameAt]!] ?? '';
  const keys = detail ? detailedKeys(data, typeOf, nameOf) : null;
  const totals = new Map<string, ClassTotal>();
  const count = nodes.length / width;
  for (let node = 0; node < count; node++) {
    const key = keys?.[node] ?? classKey(typeOf(node), nameOf(node));
    const total = totals.get(key) ?? { count: 0, selfBytes: 0 };
    total.count++;
    total.selfBytes += nodes[node * width + sizeAt]!;
    totals.set(key, total);
  }
  return totals;
}

function classKey(type: string, name: string): string {
  if (!NAMED_TYPES.has(type)) return `(${type})`;
  if (type === 'object') return name;
  // A native node's name can be a long description (a backing store's owner): keep it short.
  return `(${type}) ${name.length > 40 ? `${name.slice(0, 39)}…` : name}`;
}

/** The detailed key of every node (see {@link summariseSnapshot}). */
function detailedKeys(data: SnapshotFile, typeOf: (node: number) => string, nameOf: (node: number) => string): string[] {
  const { meta } = data.snapshot;
  const width = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = data;
  const count = nodes.length / width;
  const firstHolder = new Int32Array(count).fill(-1);
  const properties: string[][] = Array.from({ length: count }, () => []);
  let edge = 0;
  for (let node = 0; node < count; node++) {
    const edgeCount = nodes[node * width + edgeCountAt]!;
    for (let i = 0; i < edgeCount; i++, edge += edgeWidth) {
      const to = edges[edge + edgeToAt]! / width;
      const edgeType = meta.edge_types[0][edges[edge + edgeTypeAt]!];
      if (edgeType === 'weak' || edgeType === 'shortcut') continue;
      if (firstHolder[to] === -1 && typeOf(node) !== 'synthetic') firstHolder[to] = node;
      if (edgeType === 'property' && properties[node]!.length < 4) properties[node]!.push(strings[edges[edge + edgeNameAt]!] ?? '?');
    }
  }
  const where = new Map<number, string>();
  const locationWidth = meta.location_fields?.length ?? 4;
  const locations = data.locations ?? [];
  for (let i = 0; i < locations.length; i += locationWidth) {
    where.set(locations[i]! / width, `${locations[i + 2]! + 1}:${locations[i + 3]! + 1}`);
  }
  const plainKey = (node: number): string => {
    const type = typeOf(node);
    const name = nameOf(node);
    if (type === 'object' && name === 'Object') return `Object {${properties[node]!.join(', ')}}`;
    if (type === 'closure') return `(closure) ${name || '(anonymous)'} @${where.get(node) ?? '?'}`;
    return classKey(type, name);
  };
  /** Parts of something else: named after what holds them (an array's holder, two levels up). */
  const isPart = (node: number): boolean => {
    const type = typeOf(node);
    return type === 'array' || type === 'string' || type === 'hidden' || type === 'number' || (type === 'object' && nameOf(node) === 'Array');
  };
  const keys: string[] = [];
  for (let node = 0; node < count; node++) {
    const type = typeOf(node);
    const base = type === 'array' || type === 'hidden' ? `(${type}) ${nameOf(node)}` : plainKey(node);
    let key = base;
    let holder = isPart(node) ? firstHolder[node]! : -1;
    for (let level = 0; holder >= 0 && level < 2; level++) {
      key += ` ← ${plainKey(holder)}`;
      holder = isPart(holder) ? firstHolder[holder]! : -1;
    }
    keys.push(key);
  }
  return keys;
}

/** One class's growth per connection between two snapshots. */
export interface ClassGrowth {
  readonly name: string;
  /** Objects per connection (0.99 ≈ one each). */
  readonly count: number;
  /** Self bytes per connection. */
  readonly bytes: number;
}

/** What `after` holds more than `before`, per connection, the largest first. */
export function growthPerConnection(
  before: Map<string, ClassTotal>,
  after: Map<string, ClassTotal>,
  connections: number,
): ClassGrowth[] {
  const rows: ClassGrowth[] = [];
  for (const [name, total] of after) {
    const base = before.get(name) ?? { count: 0, selfBytes: 0 };
    rows.push({ name, count: (total.count - base.count) / connections, bytes: (total.selfBytes - base.selfBytes) / connections });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}

/** Self bytes of every node of a summary. */
export function totalBytes(summary: Map<string, ClassTotal>): number {
  let bytes = 0;
  for (const total of summary.values()) bytes += total.selfBytes;
  return bytes;
}

/** The growth table as Markdown: the rows above `minBytes` per connection, and the rest as one line. */
export function formatGrowth(rows: readonly ClassGrowth[], minBytes = 8): string {
  const lines = ['| class | objects per connection | bytes per connection |', '|---|---:|---:|'];
  let restBytes = 0;
  let total = 0;
  for (const row of rows) {
    total += row.bytes;
    if (Math.abs(row.bytes) < minBytes) {
      restBytes += row.bytes;
      continue;
    }
    lines.push(`| ${row.name.replaceAll('|', '\\|')} | ${row.count.toFixed(2)} | ${Math.round(row.bytes)} |`);
  }
  lines.push(`| (everything under ${minBytes} B each) | | ${Math.round(restBytes)} |`);
  lines.push(`| **heap, total** | | **${Math.round(total)}** |`);
  return lines.join('\n');
}

// Run on its own: two snapshot files and the number of connections between them.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [beforeFile, afterFile, count] = process.argv.slice(2).filter((arg) => arg !== '--detail');
  const detail = process.argv.includes('--detail');
  if (beforeFile === undefined || afterFile === undefined || count === undefined) {
    console.error('usage: npx tsx tools/bench/memory-snapshot.ts before.heapsnapshot after.heapsnapshot CONNECTIONS');
    process.exit(2);
  }
  console.log(formatGrowth(growthPerConnection(summariseSnapshot(beforeFile, detail), summariseSnapshot(afterFile, detail), Number(count))));
}
