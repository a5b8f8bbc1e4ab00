/**
 * The benchmark's own parts: what it reads from /proc, the messages it sends, how it drives a real
 * server over real sockets, and how it judges the performance targets. A benchmark that miscounts
 * would pass or fail the work for the wrong reasons.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startServer, type RunningServer } from '../../server/wiring/server.ts';
import { runFlood } from '../../tools/bench/flood.ts';
import { IDLE_WARMUP_ECHOES, runIdle, runTraffic, type TrafficSpec } from '../../tools/bench/loadgen.ts';
import { fragmentFlood, messagesFor, nonAsciiText, seededRandom } from '../../tools/bench/payloads.ts';
import { cpuTimeMs, memoryBytes, parseCpuTicks } from '../../tools/bench/proc.ts';
import { doneWhen, summary, type Samples } from '../../tools/bench/report.ts';
import { scenarios } from '../../tools/bench/scenarios.ts';
import { root } from '../../tools/tree.ts';

describe('/proc readings', () => {
  it('counts utime + stime after a command name holding spaces and parentheses', () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 75 0 0 20 0 11 0';
    expect(parseCpuTicks(stat)).toBe(325);
  });

  it("reads this process's CPU time growing with work, and its resident memory", () => {
    const before = cpuTimeMs(process.pid);
    // Busy until the reading moves (a clock tick is 10 ms of CPU), for 2 s at most.
    const deadline = Date.now() + 2000;
    while (cpuTimeMs(process.pid) === before && Date.now() < deadline) Math.sqrt(Math.random());
    expect(cpuTimeMs(process.pid)).toBeGreaterThan(before);
    expect(memoryBytes(process.pid, 'VmRSS')).toBeGreaterThan(1 << 20);
  });
});

describe('messages', () => {
  const strictDecoder = new TextDecoder('utf-8', { fatal: true });

  it('non-ASCII text is exact in size, valid UTF-8 and made of 2-, 3- and 4-byte characters', () => {
    const random = seededRandom(1);
    for (const size of [0, 1, 2, 5, 1000, 4099]) {
      const text = nonAsciiText(size, random);
      expect(text.length).toBe(size);
      expect(() => strictDecoder.decode(text), `size ${size}`).not.toThrow();
      // At most one ASCII byte, the last, where no multi-byte character fits.
      expect(text.subarray(0, -1).every((byte) => byte >= 0x80)).toBe(true);
    }
    const widths = new Set([...new TextDecoder().decode(nonAsciiText(4000, random))].map((char) => Buffer.byteLength(char)));
    expect([...widths].sort()).toEqual([2, 3, 4]);
  });

  it('random sizes spread over 0…size, the same for every run', () => {
    const sizes = messagesFor('utf8', 8192, true).map((message) => message.payload.length);
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8192);
    expect(Math.max(...sizes)).toBeGreaterThan(4096);
    expect(Math.min(...sizes)).toBeLessThan(2048);
    expect(messagesFor('utf8', 8192, true).map((message) => message.payload.length)).toEqual(sizes);
  });

  it('a fragment flood is Text without FIN, continuations, then one continuation with FIN, 1 masked byte each', () => {
    const count = 5;
    const flood = fragmentFlood(count);
    expect(flood.length).toBe(7 * count);
    for (let i = 0; i < count; i++) {
      const frame = flood.subarray(7 * i, 7 * i + 7);
      const fin = i === count - 1 ? 0x80 : 0;
      const opcode = i === 0 ? 0x1 : 0x0;
      expect(frame[0], `frame ${i}`).toBe(fin | opcode);
      expect(frame[1], 'masked, length 1').toBe(0x81);
      expect(frame[6]! ^ frame[2]!, 'the unmasked payload').toBe(0x61);
    }
  });
});

describe('over a real server (ws, in this process)', () => {
  let server: WebSocketServer;
  let port: number;
  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxFragments: 100 });
    server.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
      socket.on('error', () => {});
    });
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts the echoes of random-size non-ASCII text, checked byte for byte first', async () => {
    const result = await runTraffic({
      kind: 'traffic',
      port,
      path: '/',
      serverPid: process.pid,
      connections: 3,
      window: 1,
      content: 'utf8',
      size: 4096,
      randomSizes: true,
      warmupMs: 50,
      durationMs: 150,
      latency: false,
      verifyEcho: true,
    });
    expect(result.messages).toBeGreaterThanOrEqual(8);
    expect(result.payloadBytes).toBeGreaterThan(0);
    expect(result.payloadBytes).toBeLessThanOrEqual(result.messages * 4096);
    expect(result.serverCpuMs).toBeGreaterThan(0);
  });

  it("reports a flood under the server's fragment limit as echoed, one over it as closed with 1008", async () => {
    const target = { port, path: '/', serverPid: process.pid, timeoutMs: 5000 } as const;
    const under = await runFlood({ kind: 'flood', ...target, fragments: 50 });
    expect(under.outcome).toBe('echoed');
    expect(under.payloadBytes).toBe(50);
    const over = await runFlood({ kind: 'flood', ...target, fragments: 1000 });
    expect(over).toMatchObject({ outcome: 'closed', closeCode: 1008 });
    expect(over.rssBeforeBytes, 'the server\'s RSS was read before the flood').toBeGreaterThan(1 << 20);
  });
});

describe('RFC 7692: the compressed scenarios over real servers', () => {
  /** A `ws` echo server in this process, with these permessage-deflate settings. */
  async function wsServer(perMessageDeflate: false | { threshold: number }): Promise<{ server: WebSocketServer; port: number; received: () => number }> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
    let received = 0;
    server.on('connection', (socket) => {
      socket.on('message', (data, isBinary) => {
        received++;
        socket.send(data as Buffer, { binary: isBinary });
      });
      socket.on('error', () => {});
    });
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port, received: () => received };
  }
  async function stopWs(server: WebSocketServer): Promise<void> {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
  /** The json-deflate scenario's plan, on a tiny configuration. */
  const tinyDeflate = (port: number, path: string): TrafficSpec => {
    const plan = scenarios(true).find((scenario) => scenario.id === 'json-deflate')!.plan;
    if (plan.kind !== 'traffic') throw new Error('json-deflate is a traffic scenario');
    return { ...plan, connections: 2, window: 2, port, path, serverPid: process.pid, warmupMs: 50, durationMs: 150, verifyEcho: true };
  };

  it('echoes compressed JSON with ws: the echo inflates to the text sent, and every counted reply has RSV1', async () => {
    const { server, port } = await wsServer({ threshold: 0 });
    try {
      const result = await runTraffic(tinyDeflate(port, '/'));
      expect(result.messages).toBeGreaterThanOrEqual(8);
      expect(result.compressedReplies).toBe(result.messages);
    } finally {
      await stopWs(server);
    }
  });

  it('echoes compressed JSON with the reference server, its deflate on', async () => {
    const reference: RunningServer = await startServer({ perMessageDeflate: { threshold: 0, level: 1 } });
    try {
      const result = await runTraffic(tinyDeflate(reference.port, '/'));
      expect(result.messages).toBeGreaterThanOrEqual(8);
      expect(result.compressedReplies).toBe(result.messages);
    } finally {
      await reference.close();
    }
  });

  it('fails when the server declines the extension, or echoes uncompressed (its default 1 KiB threshold)', async () => {
    const plain = await wsServer(false);
    const thresholded: RunningServer = await startServer({ perMessageDeflate: true });
    try {
      await expect(runTraffic(tinyDeflate(plain.port, '/'))).rejects.toThrow(/declined permessage-deflate/);
      await expect(runTraffic(tinyDeflate(thresholded.port, '/'))).rejects.toThrow(/uncompressed \(no RSV1\)/);
    } finally {
      await stopWs(plain.server);
      await thresholded.close();
    }
  });

  it('has each idle compressed connection echo one message before the memory is read', async () => {
    const { server, port, received } = await wsServer({ threshold: 0 });
    try {
      const connections = 5;
      const result = await runIdle({ kind: 'idle', port, path: '/', serverPid: process.pid, connections, settleMs: 50, deflate: { messageSize: 400 } });
      expect(result.connections).toBe(connections);
      expect(result.rssAfterBytes).toBeGreaterThan(1 << 20);
      // The first warm-up connections echo one message each too, before the first reading.
      expect(received()).toBe(IDLE_WARMUP_ECHOES + connections);
    } finally {
      await stopWs(server);
    }
  });

  it('runs end to end in `npm run bench`: both servers started with deflate on, every figure measured', async () => {
    const args = ['--import', 'tsx', 'tools/bench/main.ts', '--quick', '--scenarios', 'json-deflate,idle-deflate', '--servers', 'reference,ws-js', '--duration', '0.2', '--warmup', '0.1'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 90_000 });
    expect(stdout).not.toMatch(/FAILED|failed to start/);
    for (const id of ['json-deflate', 'idle-deflate']) {
      const line = stdout.split('\n').find((text) => text.startsWith('round 1/1') && text.includes(id)) ?? `no line for ${id}`;
      expect(line).toMatch(/reference \d[\d.,]*.* · ws-js \d|ws-js \d[\d.,]*.* · reference \d/);
    }
  }, 100_000);
});

describe('the "done when" list', () => {
  const list = [
    { id: 'reference', label: 'reference' },
    { id: 'ws-js', label: 'ws (pure JS)' },
    { id: 'ws-native', label: 'ws + bufferutil' },
  ];
  const sample = (entries: Record<string, Record<string, number[]>>): Samples =>
    new Map(Object.entries(entries).map(([key, byServer]) => [key, new Map(Object.entries(byServer))]));

  it('judges a cost by "at most" the target ratio and a speed by "at least", on the medians', () => {
    const lines = doneWhen(
      scenarios(false),
      list,
      sample({
        'small/server CPU per message': { reference: [2, 2.4, 9], 'ws-js': [10, 10, 10] },
        'latency/p99': { reference: [120], 'ws-js': [100] },
        'mixed-text/payload echoed': { reference: [300, 310, 100], 'ws-js': [280, 290, 290] },
        'size-1m/server CPU per MB': { reference: [1.1], 'ws-native': [1.0] },
      }),
      new Map(),
    );
    const line = (start: string): string => lines.find((text) => text.startsWith(`  - ${start}`)) ?? '';
    expect(line('CPU per 32 B message')).toMatch(/= 0\.24× \(target ≤ 0\.25×\): ok$/);
    expect(line('CPU per 32 B message')).toContain('2.40 µs (2.00–9.00)');
    expect(line('p99 latency')).toMatch(/= 1\.20× \(target ≤ 1\.10×\): not yet$/);
    expect(line('mixed non-ASCII text')).toMatch(/= 1\.03× \(target ≥ 1\.00×\): ok$/);
    expect(line('CPU per MB')).toMatch(/vs ws \+ bufferutil .*: not yet$/);
    expect(line('RSS per connection at 10,000 idle connections')).toContain('not measured');
  });

  it("summarises a figure as each server's median and spread, and the reference over ws", () => {
    const small = scenarios(false).filter((scenario) => scenario.id === 'small');
    const lines = summary(small, list, sample({ 'small/server CPU per message': { reference: [4, 5, 9], 'ws-js': [10, 12, 11] } }));
    expect(lines[0]).toBe('| scenario | figure | reference | ws (pure JS) | ws + bufferutil | reference ÷ ws JS |');
    expect(lines).toContain('| 64 conns × 32 B text | server CPU per message (µs) | 5.00 (4.00–9.00) | 11.0 (10.0–12.0) | – | 0.45× |');
  });

  it('passes the fragment flood when the server refuses it with 1008, whatever it cost', () => {
    const flood = (code: number, growth: number): string =>
      doneWhen(
        scenarios(false),
        list,
        sample({
          'fragments/answer': { reference: [code] },
          'fragments/RSS growth ÷ payload': { reference: [growth] },
          'fragments/RSS growth': { reference: [growth] },
        }),
        new Map(),
      ).at(-1)!;
    expect(flood(1008, 50)).toMatch(/closed with 1008.*: ok$/);
    expect(flood(0, 1.5)).toMatch(/echoed the message.*: ok$/);
    expect(flood(0, 50)).toMatch(/echoed the message.*: not yet$/);
    expect(flood(1011, 50)).toMatch(/closed with 1011.*: not yet$/);
  });
});
