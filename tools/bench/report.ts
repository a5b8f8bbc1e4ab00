/**
 * The benchmark's report: one table per figure, with every server's median over the rounds, the
 * spread (min–max) and the ratios to `ws`; then every figure again in one Markdown table (the
 * README quotes it); then the performance targets, each criterion with the measured values,
 * the target and whether it holds. The medians decide; the spreads are shown so that a ratio
 * inside the noise reads as such.
 */
import {
  cpuPerMegabyte,
  cpuPerMessage,
  floodAnswer,
  floodGrowth,
  floodGrowthMegabytes,
  latencyP99,
  megabytesPerSecond,
  memoryPerConnection,
  type Metric,
  type Scenario,
} from './scenarios.ts';

/** scenario id/metric name → server id → one value per round. */
export type Samples = Map<string, Map<string, number[]>>;

export interface ServerRow {
  readonly id: string;
  readonly label: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function format(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function valuesOf(samples: Samples, scenario: string, metric: string, server: string): number[] {
  return samples.get(`${scenario}/${metric}`)?.get(server) ?? [];
}

/** `min–max` of `values`, each shown with `show`. */
export function spreadOf(values: readonly number[], show: (value: number) => string): string {
  return `${show(Math.min(...values))}–${show(Math.max(...values))}`;
}

export function printTable(
  scenario: Scenario,
  metric: Metric,
  list: readonly ServerRow[],
  samples: Samples,
  failures: Map<string, string>,
): void {
  const show = metric.show ?? format;
  const base = (id: string): number | null => {
    const values = valuesOf(samples, scenario.id, metric.name, id);
    return values.length > 0 && metric.show === undefined ? median(values) : null;
  };
  const wsJs = base('ws-js');
  const wsNative = base('ws-native');
  const better = metric.show !== undefined ? '' : metric.higherIsBetter ? ', higher is better' : ', lower is better';
  console.log(`  ${metric.name} (${metric.unit}${better})`);
  console.log(
    `    ${pad('server', 20)}${pad('median', 12, true)}${pad('min–max', 24, true)}${pad('÷ ws JS', 10, true)}${pad('÷ ws+bu', 10, true)}`,
  );
  for (const server of list) {
    const values = valuesOf(samples, scenario.id, metric.name, server.id);
    const failure = failures.get(`${scenario.id}/${server.id}`);
    if (values.length === 0) {
      console.log(`    ${pad(server.label, 20)}${pad(failure === undefined ? 'not run' : 'failed', 12, true)}  ${failure ?? ''}`);
      continue;
    }
    const mid = median(values);
    const ratio = (against: number | null): string => (against === null ? '–' : `${(mid / against).toFixed(2)}×`);
    console.log(
      `    ${pad(server.label, 20)}${pad(show(mid), 12, true)}${pad(spreadOf(values, show), 24, true)}${pad(ratio(wsJs), 10, true)}${pad(ratio(wsNative), 10, true)}` +
        (failure ? `  (${values.length} rounds; failed: ${failure})` : ''),
    );
  }
}

/**
 * Every figure in one Markdown table: a row per scenario and figure, a column per server, each
 * cell the median and its spread. The README quotes it.
 */
export function summary(scenarios: readonly Scenario[], list: readonly ServerRow[], samples: Samples): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const header = ['scenario', 'figure', ...list.map((server) => server.label), 'reference ÷ ws JS'];
  const lines = [row(header), row(header.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const scenario of scenarios) {
    for (const metric of scenario.metrics) {
      const show = metric.show ?? format;
      const cells = list.map((server) => {
        const values = valuesOf(samples, scenario.id, metric.name, server.id);
        if (values.length === 0) return '–';
        return values.length === 1 ? show(values[0]!) : `${show(median(values))} (${spreadOf(values, show)})`;
      });
      const ours = valuesOf(samples, scenario.id, metric.name, 'reference');
      const theirs = valuesOf(samples, scenario.id, metric.name, 'ws-js');
      const comparable = metric.show === undefined && ours.length > 0 && theirs.length > 0;
      const ratio = comparable ? `${(median(ours) / median(theirs)).toFixed(2)}×` : '–';
      lines.push(row([scenario.short, `${metric.name} (${metric.unit})`, ...cells, ratio]));
    }
  }
  return lines;
}

// ── Done when ────────────────────────────────────────────────────────────────────────────────────

/** One of the performance targets: the reference's median against a `ws` variant's, as a ratio. */
interface Criterion {
  readonly label: string | ((scenario: Scenario) => string);
  readonly scenario: string;
  readonly metric: Metric;
  readonly against: 'ws-js' | 'ws-native';
  readonly target: number;
  /** The ratio must be at most the target (a cost), else at least (a speed). */
  readonly atMost: boolean;
}

function idleLabel(scenario: Scenario): string {
  const count = scenario.plan.kind === 'idle' ? scenario.plan.connections.toLocaleString('en') : '?';
  return `RSS per connection at ${count} idle connections`;
}

const CRITERIA: readonly Criterion[] = [
  { label: 'CPU per 32 B message', scenario: 'small', metric: cpuPerMessage, against: 'ws-js', target: 0.25, atMost: true },
  { label: 'CPU per MB, 1 MiB messages', scenario: 'size-1m', metric: cpuPerMegabyte, against: 'ws-native', target: 1, atMost: true },
  { label: idleLabel, scenario: 'idle-1k', metric: memoryPerConnection, against: 'ws-js', target: 1, atMost: true },
  { label: idleLabel, scenario: 'idle-10k', metric: memoryPerConnection, against: 'ws-js', target: 1, atMost: true },
  { label: 'p99 latency, 1 in flight', scenario: 'latency', metric: latencyP99, against: 'ws-js', target: 1.1, atMost: true },
  { label: 'mixed non-ASCII text, MB/s', scenario: 'mixed-text', metric: megabytesPerSecond, against: 'ws-js', target: 1, atMost: false },
];

/** RFC 6455 §7.4.1: 1008 (policy violation) and 1009 (message too big) are a limit's answers. */
const LIMIT_CLOSE_CODES = new Set([1008, 1009]);
/** The flood may cost the server less than this many times its payload. */
const FLOOD_GROWTH_LIMIT = 2;

/** The "done when" list, one line a criterion (the criteria whose scenario did not run are left out). */
export function doneWhen(
  scenarios: readonly Scenario[],
  list: readonly ServerRow[],
  samples: Samples,
  warnings: ReadonlyMap<string, string>,
): string[] {
  const label = (id: string): string => list.find((server) => server.id === id)?.label ?? id;
  const ran = new Map(scenarios.map((scenario) => [scenario.id, scenario]));
  const lines = ['Targets, medians with min–max over the rounds:'];
  for (const criterion of CRITERIA) {
    const scenario = ran.get(criterion.scenario);
    if (scenario === undefined) continue;
    const name = typeof criterion.label === 'string' ? criterion.label : criterion.label(scenario);
    const ours = valuesOf(samples, criterion.scenario, criterion.metric.name, 'reference');
    const theirs = valuesOf(samples, criterion.scenario, criterion.metric.name, criterion.against);
    const target = `target ${criterion.atMost ? '≤' : '≥'} ${criterion.target.toFixed(2)}×`;
    if (ours.length === 0 || theirs.length === 0) {
      lines.push(`  - ${name}: not measured (${target})`);
      continue;
    }
    const unit = criterion.metric.unit;
    const figure = (values: number[]): string => `${format(median(values))} ${unit} (${spreadOf(values, format)})`;
    if (median(theirs) <= 0) {
      // A growth that came out at or below zero (the collector freed more than the connections
      // took, in a run too small to measure) gives no ratio to judge by.
      lines.push(`  - ${name}: ${label(criterion.against)} measured ${figure(theirs)}, no ratio to judge (${target}): not measured`);
      continue;
    }
    const ratio = median(ours) / median(theirs);
    const holds = criterion.atMost ? ratio <= criterion.target : ratio >= criterion.target;
    // A ratio that rounds to the target shows one more digit, so that 1.004× does not read "1.00×: not yet".
    const shown = ratio.toFixed(ratio.toFixed(2) === criterion.target.toFixed(2) ? 3 : 2);
    const warning = warnings.get(criterion.against);
    lines.push(
      `  - ${name}: ${label('reference')} ${figure(ours)} vs ${label(criterion.against)} ${figure(theirs)}` +
        ` = ${shown}× (${target}): ${holds ? 'ok' : 'not yet'}${warning ? ` [${warning}]` : ''}`,
    );
  }
  if (ran.has('fragments')) lines.push(floodCriterion(samples));
  return lines;
}

function floodCriterion(samples: Samples): string {
  const answers = valuesOf(samples, 'fragments', floodAnswer.name, 'reference');
  const growths = valuesOf(samples, 'fragments', floodGrowth.name, 'reference');
  const megabytes = valuesOf(samples, 'fragments', floodGrowthMegabytes.name, 'reference');
  const target = `target: refused with 1008/1009, or growth < ${FLOOD_GROWTH_LIMIT}× the payload`;
  if (answers.length === 0 || growths.length === 0) return `  - fragment flood: not measured (${target})`;
  const answer = answers[0]!;
  const growth = growths[0]!;
  const holds = LIMIT_CLOSE_CODES.has(answer) || growth < FLOOD_GROWTH_LIMIT;
  const said = answer > 0 ? `closed with ${answer}` : answer === 0 ? 'echoed the message' : 'did not answer';
  const grew = `RSS grew ${format(megabytes[0] ?? Number.NaN)} MB = ${format(growth)}× the payload`;
  return `  - fragment flood: reference ${said}, ${grew} (${target}): ${holds ? 'ok' : 'not yet'}`;
}
