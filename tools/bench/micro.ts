/**
 * Chapter 11's micro-benchmarks: the plain way and the fast way, side by side, on this machine.
 *
 *   npm run bench -- --micro [--impl solutions|chapters]     or     npx tsx tools/bench/micro.ts
 *
 * Each case runs every variant in turn, 5 times over (so a slow moment of the machine hits them all),
 * each time for a fixed number of operations after a warm-up that lets V8 optimise it, and reports the
 * median throughput. The inputs are views into Node Buffers at the offsets a socket chunk gives them
 * (a payload after a 6-byte header starts 2 bytes past a 4-byte boundary), as in the server.
 */
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { treeArgument } from '../tree.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const impl = treeArgument();
const from = <T>(file: string): Promise<T> => import(path.join(root, impl, file)) as Promise<T>;

const { applyMask } = await from<typeof import('../../solutions/05-frames/mask.ts')>('05-frames/mask.ts');
const { isValidUtf8 } = await from<typeof import('../../solutions/07-messages/utf8.ts')>('07-messages/utf8.ts');
const { WORD_MASK_THRESHOLD, applyMaskWords } = await from<typeof import('../../solutions/11-performance/mask-words.ts')>(
  '11-performance/mask-words.ts',
);
const { ChunkList, appendByConcat } = await from<typeof import('../../solutions/11-performance/chunk-list.ts')>(
  '11-performance/chunk-list.ts',
);
const { decodeUtf8, isValidUtf8Fast } = await from<typeof import('../../solutions/11-performance/utf8-fast.ts')>(
  '11-performance/utf8-fast.ts',
);
const { Utf8StreamValidator } = await from<typeof import('../../solutions/11-performance/utf8-stream.ts')>(
  '11-performance/utf8-stream.ts',
);
const { Utf8Validator } = await from<typeof import('../../solutions/07-messages/utf8.ts')>('07-messages/utf8.ts');
const bufferutil = createRequire(import.meta.url)('bufferutil') as {
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
};

/**
 * The 4-byte word loop, one word per turn, as a learner first writes `applyMaskWords` (and as the
 * reference had it before its 8-byte words, 8 per turn): measured beside it to show what that buys.
 */
const keyBytes32 = new Uint8Array(4);
const keyWord32 = new Uint32Array(keyBytes32.buffer);
function maskUint32Words(data: Uint8Array, maskingKey: Uint8Array): void {
  if (data.length < WORD_MASK_THRESHOLD) return applyMask(data, maskingKey);
  const head = (4 - (data.byteOffset & 3)) & 3;
  for (let i = 0; i < head; i++) data[i] ^= maskingKey[i & 3]!;
  const words = (data.length - head) >>> 2;
  for (let j = 0; j < 4; j++) keyBytes32[j] = maskingKey[(head + j) & 3]!;
  const key = keyWord32[0]!;
  const middle = new Uint32Array(data.buffer, data.byteOffset + head, words);
  for (let j = 0; j < words; j++) middle[j] ^= key;
  for (let i = head + words * 4; i < data.length; i++) data[i] ^= maskingKey[i & 3]!;
}

const ROUNDS = 5;
const quick = process.argv.includes('--quick');

interface Variant {
  readonly name: string;
  /** Runs one operation; its result is kept so V8 cannot drop the work. */
  readonly run: () => unknown;
}

let sink: unknown;

/** Operations per second of `run`, timing `ops` calls after `warm` calls. */
function opsPerSecond(run: () => unknown, ops: number): number {
  const start = performance.now();
  for (let i = 0; i < ops; i++) sink = run();
  return ops / ((performance.now() - start) / 1000);
}

/** How many operations take about `ms` milliseconds (calibrated once per variant). */
function calibrate(run: () => unknown, ms: number): number {
  let ops = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < ops; i++) sink = run();
    const took = performance.now() - start;
    if (took >= ms / 4 || ops >= 1 << 26) return Math.max(1, Math.round((ops * ms) / Math.max(took, 0.001)));
    ops *= 4;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function bytesRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1e9 ? `${(bytesPerSecond / 1e9).toFixed(2)} GB/s` : `${(bytesPerSecond / 1e6).toFixed(0)} MB/s`;
}

/** Runs every variant ROUNDS times, alternating; prints the median rate and the ratio to the first. */
function compare(title: string, bytesPerOp: number, variants: readonly Variant[]): void {
  const perRound = quick ? 20 : 80;
  const ops = variants.map((variant) => calibrate(variant.run, perRound));
  const rates: number[][] = variants.map(() => []);
  for (let round = 0; round < (quick ? 2 : ROUNDS); round++) {
    variants.forEach((variant, i) => rates[i]!.push(opsPerSecond(variant.run, ops[i]!)));
  }
  const medians = rates.map(median);
  console.log(`  ${title}`);
  variants.forEach((variant, i) => {
    const rate = medians[i]!;
    const ratio = rate / medians[0]!;
    console.log(
      `    ${variant.name.padEnd(40)}${bytesRate(rate * bytesPerOp).padStart(11)}${`${formatOps(rate)} op/s`.padStart(16)}${`${ratio.toFixed(2)}×`.padStart(9)}`,
    );
  });
}

function formatOps(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)} k`;
  return rate.toFixed(1);
}

/** A view of `length` bytes starting `shift` bytes into a Node Buffer, filled with a pattern. */
function payload(length: number, shift: number, fill: (i: number) => number): Uint8Array {
  const chunk = Buffer.allocUnsafeSlow(length + 8);
  for (let i = 0; i < chunk.length; i++) chunk[i] = fill(i - shift);
  return chunk.subarray(shift, shift + length);
}

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log('Chapter 11 micro-benchmarks');
console.log(`machine:  ${cpu}, ${os.cpus().length} cores, Node ${process.version} (V8 ${process.versions.v8})`);
console.log(`command:  npx tsx tools/bench/micro.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`);
console.log(`method:   median of ${quick ? 2 : ROUNDS} alternating runs of each variant; ratios are to the first line\n`);

// (a) Masking.
console.log('(a) masking (RFC 6455 §5.3), in place');
const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
for (const size of [32, 64, 125, 1024, 64 * 1024, 1024 * 1024]) {
  for (const shift of [0, 2]) {
    const data = payload(size, shift, (i) => i & 0xff);
    compare(`${size.toLocaleString('en')} B, ${shift === 0 ? 'aligned' : `byteOffset ${shift}`}`, size, [
      { name: 'ch05 applyMask (byte loop)', run: () => applyMask(data, key) },
      { name: '4-byte words (Uint32Array)', run: () => maskUint32Words(data, key) },
      { name: 'ch11 applyMaskWords (reference)', run: () => applyMaskWords(data, key) },
      { name: 'bufferutil.unmask (C++ addon)', run: () => bufferutil.unmask(data, key) },
    ]);
  }
}

// (b) Collecting a message.
console.log('\n(b) collecting a message from its chunks');
for (const [total, chunkSize] of [
  [64 * 1024, 1024],
  [1024 * 1024, 16 * 1024],
  [16 * 1024 * 1024, 64 * 1024],
] as const) {
  const chunks = Array.from({ length: total / chunkSize }, (_, i) => payload(chunkSize, 0, (j) => (i + j) & 0xff));
  compare(`${formatSize(total)} in ${formatSize(chunkSize)} chunks`, total, [
    {
      name: 'appendByConcat on every chunk',
      run: () => {
        let collected: Uint8Array = new Uint8Array(0);
        for (const chunk of chunks) collected = appendByConcat(collected, chunk);
        return collected;
      },
    },
    {
      name: 'ChunkList, joined once',
      run: () => {
        const list = new ChunkList();
        for (const chunk of chunks) list.push(chunk);
        return list.toBytes();
      },
    },
  ]);
}

/** `data` cut at its last code point boundary, so that the text is valid. */
function validText(data: Uint8Array): Uint8Array {
  while (!isUtf8(data)) data = data.subarray(0, data.length - 1);
  return data;
}

// (c) UTF-8.
console.log('\n(c) UTF-8: is a text message valid (and its string)?');
const ascii = (i: number): number => 0x20 + ((i + 90) % 90);
const french = new TextEncoder().encode('Déjà vu: où est le café de la gare ? ');
const mixed = (i: number): number => french[(i + french.length) % french.length]!;
const plainDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
for (const [label, size, fill] of [
  ['ASCII', 32, ascii],
  ['ASCII', 1024, ascii],
  ['ASCII', 64 * 1024, ascii],
  ['French (1 in 10 bytes non-ASCII)', 64 * 1024, mixed],
] as const) {
  const data = validText(payload(size, 2, fill));
  compare(`${label}, ${formatSize(data.length)}`, data.length, [
    { name: 'ch07 isValidUtf8 (state machine)', run: () => isValidUtf8(data) },
    { name: 'ch11 isValidUtf8Fast (ASCII words)', run: () => isValidUtf8Fast(data) },
    { name: 'ch07 validate + TextDecoder.decode', run: () => isValidUtf8(data) && plainDecoder.decode(data) },
    { name: 'ch11 decodeUtf8 (fatal TextDecoder)', run: () => decodeUtf8(data) },
    { name: 'node:buffer isUtf8 (C++)', run: () => isUtf8(data) },
  ]);
}

// (d) UTF-8 as the server checks it: piece by piece, as fragments or chunks arrive.
console.log('\n(d) UTF-8 checked piece by piece (fragments, socket chunks): valid non-ASCII text');
const japanese = new TextEncoder().encode('Déjà vu à la gare: 駅で会いましょう。 ');
const mostlyJapanese = (i: number): number => japanese[(i + japanese.length) % japanese.length]!;
for (const [label, fill] of [
  ['French (1 in 10 bytes non-ASCII)', mixed],
  ['French and Japanese (2 in 3 non-ASCII)', mostlyJapanese],
] as const) {
  for (const [size, pieceSize] of [
    [64 * 1024, 64 * 1024],
    [1024 * 1024, 64 * 1024],
    [1024 * 1024, 1000],
  ] as const) {
    const data = validText(payload(size, 2, fill));
    // Pieces cut at fixed offsets, so code points are split across them as on the wire.
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += pieceSize) pieces.push(data.subarray(at, at + pieceSize));
    const check = (validator: { push(bytes: Uint8Array): boolean; end(): boolean }): boolean => {
      let ok = true;
      for (const piece of pieces) ok = validator.push(piece) && ok;
      return validator.end() && ok;
    };
    if (!check(new Utf8Validator())) throw new Error('the benchmark text is not valid UTF-8');
    compare(`${label}, ${formatSize(size)} in ${formatSize(pieceSize)} pieces`, size, [
      { name: 'ch07 Utf8Validator (state machine)', run: () => check(new Utf8Validator()) },
      { name: 'ch11 Utf8StreamValidator (isUtf8 runs)', run: () => check(new Utf8StreamValidator()) },
    ]);
  }
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / 1024 / 1024} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} B`;
}

void sink;
