/**
 * What `npm run bench` measures: each scenario is a load-generator spec (loadgen.ts) and the
 * figures read from its result. Every scenario runs on a fresh server process, so what one costs
 * (memory above all) is never counted in the next.
 *
 * The figures next to throughput are the server's own costs, read from /proc: CPU time per message
 * and per MB of echoed payload, resident memory per idle connection. Throughput depends on the
 * client and on the machine's other work; CPU per message depends much less on either.
 */
import type { Target } from './connect.ts';
import type { FloodResult, FloodSpec } from './flood.ts';
import type { IdleSpec, ScenarioResult, TrafficResult, TrafficSpec } from './loadgen.ts';

/** A spec without what the runner fills in: the server to reach, the timing, the echo check. */
export type ScenarioPlan =
  | Omit<TrafficSpec, keyof Target | 'warmupMs' | 'durationMs' | 'verifyEcho'>
  | Omit<IdleSpec, keyof Target>
  | Omit<FloodSpec, keyof Target>;

export interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly value: (result: ScenarioResult) => number;
  /** How a value reads, when it is a code rather than a quantity. */
  readonly show?: (value: number) => string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** The title in a few words, for the summary table. */
  readonly short: string;
  readonly plan: ScenarioPlan;
  readonly metrics: readonly Metric[];
  /** Run in the first round only: it is slow, and what it checks is an answer more than a speed. */
  readonly once?: boolean;
  /** Only for servers that really echo (not the ceiling, which answers any frame with zeros). */
  readonly echoOnly?: boolean;
  /** A measured interval at least this long, whatever the run's `--duration`. */
  readonly minDurationMs?: number;
}

const MB = 1e6;
const KB = 1e3;

/** The result as the kind a figure is read from (a scenario's figures match its plan's kind). */
function resultOf<Kind extends ScenarioResult['kind']>(kind: Kind, result: ScenarioResult): Extract<ScenarioResult, { kind: Kind }> {
  if (result.kind !== kind) throw new Error(`a ${kind} figure read from a ${result.kind} result`);
  return result as Extract<ScenarioResult, { kind: Kind }>;
}

const traffic = (result: ScenarioResult): TrafficResult => resultOf('traffic', result);
const flood = (result: ScenarioResult): FloodResult => resultOf('flood', result);

export const messagesPerSecond: Metric = {
  name: 'messages echoed',
  unit: 'msg/s',
  higherIsBetter: true,
  value: (r) => (traffic(r).messages / traffic(r).elapsedMs) * 1000,
};

export const cpuPerMessage: Metric = {
  name: 'server CPU per message',
  unit: 'µs',
  higherIsBetter: false,
  value: (r) => (traffic(r).serverCpuMs * 1000) / traffic(r).messages,
};

/** A round-trip figure of a latency scenario, in microseconds. */
function latency(name: string, pick: (result: TrafficResult) => number | undefined): Metric {
  return { name, unit: 'µs', higherIsBetter: false, value: (r) => pick(traffic(r)) ?? Number.NaN };
}

export const latencyP50 = latency('p50', (r) => r.p50Us);
export const latencyP99 = latency('p99', (r) => r.p99Us);
export const latencyMax = latency('longest round trip', (r) => r.maxUs);

export const megabytesPerSecond: Metric = {
  name: 'payload echoed',
  unit: 'MB/s',
  higherIsBetter: true,
  value: (r) => traffic(r).payloadBytes / MB / (traffic(r).elapsedMs / 1000),
};

export const cpuPerMegabyte: Metric = {
  name: 'server CPU per MB',
  unit: 'ms',
  higherIsBetter: false,
  value: (r) => traffic(r).serverCpuMs / (traffic(r).payloadBytes / MB),
};

export const memoryPerConnection: Metric = {
  name: 'RSS per idle connection',
  unit: 'kB',
  higherIsBetter: false,
  value: (r) => {
    const { rssAfterBytes, rssBeforeBytes, connections } = resultOf('idle', r);
    return (rssAfterBytes - rssBeforeBytes) / connections / KB;
  },
};

/**
 * The server's whole RSS with the connections open: what the machine pays, startup included. A
 * server that starts lean and one that does more at startup can grow by different amounts per
 * connection and still end at the same size, so both figures are shown.
 */
export const memoryWithConnections: Metric = {
  name: 'RSS with the connections open',
  unit: 'MB',
  higherIsBetter: false,
  value: (r) => resultOf('idle', r).rssAfterBytes / MB,
};

/** The flood's answer as a number: the close code, 0 for the whole message echoed, -1 for none. */
export const floodAnswer: Metric = {
  name: 'answer',
  unit: 'close code',
  higherIsBetter: false,
  value: (r) => {
    const { outcome, closeCode } = flood(r);
    if (outcome === 'closed') return closeCode ?? -1;
    return outcome === 'echoed' ? 0 : -1;
  },
  show: (code) => (code > 0 ? `close ${code}` : code === 0 ? 'echoed' : 'no answer'),
};

/** Peak resident growth while the server took the flood. */
export const floodGrowthMegabytes: Metric = {
  name: 'RSS growth',
  unit: 'MB',
  higherIsBetter: false,
  value: (r) => (flood(r).rssPeakBytes - flood(r).rssBeforeBytes) / MB,
};

/** The same, over the message's own size (the wire bytes are 7× that: a fragment is 7 bytes). */
export const floodGrowth: Metric = {
  name: 'RSS growth ÷ payload',
  unit: '×',
  higherIsBetter: false,
  value: (r) => (flood(r).rssPeakBytes - flood(r).rssBeforeBytes) / flood(r).payloadBytes,
};

/** The message-size sweep: sizes, and how many messages each of its connections keeps in flight. */
const SWEEP: ReadonlyArray<{ readonly id: string; readonly label: string; readonly size: number; readonly window: number }> = [
  { id: 'size-32', label: '32 B', size: 32, window: 16 },
  { id: 'size-1k', label: '1 KiB', size: 1 << 10, window: 16 },
  { id: 'size-64k', label: '64 KiB', size: 64 << 10, window: 4 },
  { id: 'size-1m', label: '1 MiB', size: 1 << 20, window: 2 },
  { id: 'size-16m', label: '16 MiB', size: 16 << 20, window: 1 },
];
const SWEEP_CONNECTIONS = 4;
/** The measured interval of the scenarios whose figures need more samples than a second gives (full runs). */
const LONG_MEASUREMENT_MS = 3000;

/** The JSON message of the compressed scenarios and its uncompressed twin, in bytes (about). */
const JSON_SIZE = 400;

/** Whether a scenario's servers run with permessage-deflate on (deflate-settings.ts). */
export function usesDeflate(scenario: Scenario): boolean {
  const { plan } = scenario;
  return plan.kind !== 'flood' && plan.deflate !== undefined && plan.deflate !== false;
}

/**
 * Chapter 13's scenarios: the same JSON echoed plain and compressed (what compression costs in
 * CPU), and idle connections that have each echoed one compressed message (what it costs in
 * memory). Only servers that really echo: the ceiling speaks no extension.
 */
function compressionScenarios(quick: boolean): Scenario[] {
  const idleConnections = quick ? 100 : 1000;
  const json = { kind: 'traffic', connections: 64, window: 16, content: 'json', size: JSON_SIZE, randomSizes: false, latency: false } as const;
  return [
    {
      id: 'json-plain',
      title: `64 connections × ${JSON_SIZE} B JSON text, 16 in flight per connection, uncompressed`,
      short: `64 conns × ${JSON_SIZE} B JSON`,
      plan: json,
      metrics: [messagesPerSecond, cpuPerMessage],
      echoOnly: true,
    },
    {
      id: 'json-deflate',
      title: `64 connections × ${JSON_SIZE} B JSON text, 16 in flight per connection, permessage-deflate both ways`,
      short: `64 conns × ${JSON_SIZE} B JSON, deflate`,
      plan: { ...json, deflate: true },
      metrics: [messagesPerSecond, cpuPerMessage],
      echoOnly: true,
    },
    {
      id: 'idle-deflate',
      title: `${idleConnections.toLocaleString('en')} idle compressed connections, each after one ${JSON_SIZE} B JSON echo: RSS growth per connection`,
      short: `${idleConnections.toLocaleString('en')} idle deflate conns`,
      plan: { kind: 'idle', connections: idleConnections, settleMs: quick ? 300 : 1000, deflate: { messageSize: JSON_SIZE } },
      metrics: [memoryPerConnection],
      echoOnly: true,
    },
  ];
}

export function scenarios(quick: boolean): Scenario[] {
  const idle = [
    { id: 'idle-1k', connections: quick ? 100 : 1000 },
    { id: 'idle-10k', connections: quick ? 1000 : 10_000 },
  ];
  const mixedConnections = quick ? 50 : 200;
  const fragments = quick ? 100_000 : 1_000_000;
  const stallSize = (quick ? 1 : 32) << 20;
  const stallLabel = `${stallSize >> 20} MiB`;
  return [
    {
      id: 'small',
      title: '64 connections × 32 B text messages, 16 in flight per connection',
      short: '64 conns × 32 B text',
      plan: { kind: 'traffic', connections: 64, window: 16, content: 'ascii', size: 32, randomSizes: false, latency: false },
      metrics: [messagesPerSecond, cpuPerMessage],
    },
    {
      id: 'latency',
      title: '1 connection, 1 message (32 B text) in flight: round-trip latency',
      short: '1 in flight, 32 B',
      plan: { kind: 'traffic', connections: 1, window: 1, content: 'ascii', size: 32, randomSizes: false, latency: true },
      metrics: [latencyP50, latencyP99, cpuPerMessage],
      // The p99 is the slowest 1 %: a second holds about 26,000 round trips, and its tail moves with
      // whatever else the machine did in that second. Three seconds hold three times the tail.
      minDurationMs: quick ? undefined : LONG_MEASUREMENT_MS,
    },
    ...idle.map(
      ({ id, connections }): Scenario => ({
        id,
        title: `${connections.toLocaleString('en')} idle connections: the server's RSS growth per connection`,
        short: `${connections.toLocaleString('en')} idle conns`,
        plan: { kind: 'idle', connections, settleMs: quick ? 300 : 1000 },
        metrics: [memoryPerConnection, memoryWithConnections],
      }),
    ),
    // A smoke run leaves out the 16 MiB messages: they take as long as the rest of the sweep.
    ...SWEEP.filter(({ size }) => !quick || size <= 1 << 20).map(
      ({ id, label, size, window }): Scenario => ({
        id,
        title: `size sweep: ${SWEEP_CONNECTIONS} connections × ${label} binary messages, ${window} in flight per connection`,
        short: `${SWEEP_CONNECTIONS} conns × ${label} binary`,
        plan: { kind: 'traffic', connections: SWEEP_CONNECTIONS, window, content: 'binary', size, randomSizes: false, latency: false },
        metrics: [messagesPerSecond, cpuPerMessage, cpuPerMegabyte],
        // A second holds about a thousand 1 MiB echoes and a few dozen 16 MiB ones: too few to
        // average out the machine's other work (the per-MB figure moved by a third between rounds).
        minDurationMs: quick || size < 1 << 20 ? undefined : LONG_MEASUREMENT_MS,
      }),
    ),
    {
      id: 'mixed-text',
      title: `${mixedConnections} connections × text of random sizes up to 256 KiB (2-, 3- and 4-byte UTF-8), 1 in flight`,
      short: `${mixedConnections} conns × mixed UTF-8 text`,
      plan: { kind: 'traffic', connections: mixedConnections, window: 1, content: 'utf8', size: 256 << 10, randomSizes: true, latency: false },
      metrics: [megabytesPerSecond, cpuPerMegabyte, messagesPerSecond, cpuPerMessage],
    },
    {
      id: 'stall',
      title: `1 connection, 1 message (32 B text) in flight, beside 1 connection sending ${stallLabel} non-ASCII text messages`,
      short: `32 B beside ${stallLabel} text`,
      plan: {
        kind: 'traffic',
        connections: 1,
        window: 1,
        content: 'ascii',
        size: 32,
        randomSizes: false,
        latency: true,
        background: { content: 'utf8', size: stallSize },
      },
      metrics: [latencyP50, latencyMax],
      // Long enough to hold a few of the huge messages, each of which may hold the server up.
      minDurationMs: quick ? 300 : 2000,
    },
    {
      id: 'fragments',
      title: `1 text message in ${fragments.toLocaleString('en')} one-byte fragments, on a fresh connection`,
      short: `${fragments.toLocaleString('en')} fragments`,
      plan: { kind: 'flood', fragments, timeoutMs: 30_000 },
      metrics: [floodAnswer, floodGrowthMegabytes, floodGrowth],
      once: true,
      echoOnly: true,
    },
    ...compressionScenarios(quick),
  ];
}
