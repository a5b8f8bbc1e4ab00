/**
 * vitest's process pool, kept warm between the runner's runs.
 *
 * vitest starts a child process for the test files of a run and stops it when they end. Booting
 * one (node, then vitest's runtime) and loading what the tests import (vitest's expect, fast-check,
 * node:net …) is the same work on every save: a few hundred milliseconds on an idle laptop and
 * several times that on a busy one, most of the time between a save and its result. This pool keeps
 * that work done:
 *
 * - **Spares.** A process is forked ahead of need, so a run that needs one more gets one already
 *   booted, and a replacement boots while the tests run.
 * - **Kept processes.** When a run ends, its processes are not stopped but kept, with what they
 *   loaded, for the next run (the runner runs with `isolate: false`). Each knows which saves it has
 *   seen: before it runs again it is told to evaluate afresh every file saved since
 *   ({@link noteSaved}) and every module that imports one, directly or not, as the module graph
 *   knows them; the rest (the libraries, the server code the save did not touch) stays loaded. A
 *   kept process serves at most {@link MAX_RUNS_PER_PROCESS} runs and is then replaced, so what a
 *   broken chapter leaves running (a server never closed, a timer never cleared) cannot pile up
 *   for a whole session.
 *
 * A kept process is sent vitest's `start` once and never its `stop`: later `start`s and every
 * `stop` are answered here as the process would answer them, so it is never torn down between
 * runs. `npm test` does not use this pool: it runs every test file in a fresh process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ForksPoolWorker, type PoolOptions } from 'vitest/node';

export const WARM_POOL_NAME = 'warm-forks';

/** Runs a kept process serves before it is replaced by a fresh one. */
export const MAX_RUNS_PER_PROCESS = 12;

/** The parts of vitest's ForksPoolWorker this pool works with. */
interface ForkShape {
  entrypoint: string;
  env: Partial<NodeJS.ProcessEnv>;
  execArgv: string[];
  _fork?: ChildProcess;
}

interface WorkerMessage {
  readonly __vitest_worker_request__?: boolean;
  readonly type?: string;
  /** A `run` or `collect` request's context: the files to (re)load first are its `invalidates`. */
  readonly context?: { readonly invalidates?: readonly string[] };
}

/** A process this pool hands out, with the runs it has served. */
interface Kept {
  readonly child: ChildProcess;
  runs: number;
  /** Whether vitest's `start` has reached it: it is set up, and later `start`s are answered here. */
  setUp: boolean;
  /** How many saves it had seen when it last ran; undefined before its first run (it has loaded nothing). */
  savesSeen?: number;
}

/** Every file saved during the session, in order. */
const saves: string[] = [];
/** The given files and every module that imports one of them, directly or not. */
let withImporters: (files: readonly string[]) => string[] = (files) => [...files];

/** Records a saved file: every kept process evaluates it, and what imports it, afresh on its next run. */
export function noteSaved(file: string): void {
  saves.push(file);
}

/** How to find the modules that import a file (the test session's module graph). */
export function useImporters(expand: (files: readonly string[]) => string[]): void {
  withImporters = expand;
}

/** Booted processes that have not been given work yet, per recipe (entry point, environment, node options). */
const spares = new Map<string, ChildProcess[]>();
/** Processes set up by an earlier run and waiting for the next one, per recipe. */
const kept = new Map<string, Kept[]>();
/** Every process this pool started, so none outlives the runner. */
const everyChild = new Set<ChildProcess>();
let wanted = 1;
let closed = false;

function recipeOf(shape: ForkShape): string {
  return JSON.stringify([shape.entrypoint, shape.execArgv, shape.env]);
}

function listOf<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null && child.connected;

function forget(child: ChildProcess): void {
  everyChild.delete(child);
  for (const list of spares.values()) if (list.includes(child)) list.splice(list.indexOf(child), 1);
  for (const list of kept.values()) {
    const index = list.findIndex((entry) => entry.child === child);
    if (index >= 0) list.splice(index, 1);
  }
}

function forkLike(shape: ForkShape): ChildProcess {
  // The same options vitest's own forks pool uses, so the process cannot tell the difference.
  const child = fork(shape.entrypoint, [], { env: shape.env as NodeJS.ProcessEnv, execArgv: shape.execArgv, stdio: 'pipe', serialization: 'advanced' });
  everyChild.add(child);
  // A process that dies while waiting is simply forgotten; a spare prints nothing before it works.
  child.once('exit', () => forget(child));
  return child;
}

function refill(shape: ForkShape): void {
  if (closed) return;
  const list = listOf(spares, recipeOf(shape));
  while (list.length < wanted) list.push(forkLike(shape));
}

/** A kept process for this recipe, else a booted spare, else undefined (vitest forks one). */
function take(recipe: string): Kept | undefined {
  for (let entry = listOf(kept, recipe).shift(); entry; entry = listOf(kept, recipe).shift()) {
    if (alive(entry.child)) return entry;
  }
  for (let spare = listOf(spares, recipe).shift(); spare; spare = listOf(spares, recipe).shift()) {
    if (alive(spare)) return { child: spare, runs: 0, setUp: false };
  }
  return undefined;
}

/** What vitest's pool runner listens to the process with, and sends it. */
type Listener = Parameters<ForksPoolWorker['on']>[1];
type Request = Parameters<ForksPoolWorker['send']>[0];

interface OutputPipes {
  readonly stdout: NodeJS.WritableStream & { setMaxListeners(n: number): unknown; getMaxListeners(): number };
  readonly stderr: NodeJS.WritableStream & { setMaxListeners(n: number): unknown; getMaxListeners(): number };
}

class WarmForksPoolWorker extends ForksPoolWorker {
  override readonly name = WARM_POOL_NAME;
  /** The process this worker runs on. */
  private entry: Kept | undefined;
  /** Set when this run's `stop` was answered here: the process finished its work and can be kept. */
  private stoppedCleanly = false;
  private readonly listeners: [string, Listener][] = [];

  override on(event: string, callback: Listener): void {
    this.listeners.push([event, callback]);
    super.on(event, callback);
  }

  override off(event: string, callback: Listener): void {
    const index = this.listeners.findIndex(([name, listener]) => name === event && listener === callback);
    if (index >= 0) this.listeners.splice(index, 1);
    super.off(event, callback);
  }

  override send(request: Request): void {
    const entry = this.entry;
    let message = request as unknown as WorkerMessage;
    if (entry && message?.__vitest_worker_request__ && (message.type === 'run' || message.type === 'collect')) {
      const stale = entry.savesSeen === undefined ? [] : withImporters([...new Set(saves.slice(entry.savesSeen))]);
      entry.savesSeen = saves.length;
      if (stale.length > 0) message = { ...message, context: { ...message.context, invalidates: [...(message.context?.invalidates ?? []), ...stale] } };
    } else if (entry && message?.__vitest_worker_request__) {
      // The first `start` sets the process up; later ones, and every `stop`, are answered here as
      // the process would answer them, so it stays set up with what it has loaded.
      if (message.type === 'start' && !entry.setUp) {
        entry.setUp = true;
      } else if (message.type === 'start' || message.type === 'stop') {
        if (message.type === 'stop') this.stoppedCleanly = true;
        const reply = { __vitest_worker_response__: true, type: message.type === 'start' ? 'started' : 'stopped' };
        setImmediate(() => entry.child.emit('message', reply));
        return;
      }
    }
    super.send(message as unknown as Request);
  }

  override async start(): Promise<void> {
    const shape = this as unknown as ForkShape;
    this.stoppedCleanly = false;
    this.entry = shape._fork ? undefined : take(recipeOf(shape));
    if (this.entry) shape._fork = this.entry.child;
    await super.start();
    if (!this.entry) {
      // No process was waiting, so vitest forked one: keep track of it like the others.
      const child = shape._fork!;
      everyChild.add(child);
      child.once('exit', () => forget(child));
      this.entry = { child, runs: 0, setUp: false };
    }
    this.entry.runs++;
    refill(shape);
  }

  override async stop(): Promise<void> {
    const shape = this as unknown as ForkShape;
    const entry = this.entry;
    this.entry = undefined;
    if (!closed && entry && this.stoppedCleanly && alive(entry.child) && entry.runs < MAX_RUNS_PER_PROCESS) {
      // Detach from this run (its listeners, its output pipes) and wait for the next one.
      for (const [event, callback] of this.listeners.splice(0)) entry.child.off(event, callback);
      const pipes = this as unknown as OutputPipes;
      entry.child.stdout?.unpipe(pipes.stdout as never);
      entry.child.stderr?.unpipe(pipes.stderr as never);
      pipes.stdout.setMaxListeners(Math.max(0, pipes.stdout.getMaxListeners() - 1));
      pipes.stderr.setMaxListeners(Math.max(0, pipes.stderr.getMaxListeners() - 1));
      shape._fork = undefined;
      listOf(kept, recipeOf(shape)).push(entry);
      return;
    }
    await super.stop();
  }
}

/** The pool to give vitest as `pool`; `spareCount` booted processes are kept waiting. */
export function warmForksPool(spareCount = 1): { name: string; createPoolWorker: (options: PoolOptions) => WarmForksPoolWorker } {
  wanted = spareCount;
  closed = false;
  saves.length = 0;
  return { name: WARM_POOL_NAME, createPoolWorker: (options) => new WarmForksPoolWorker(options) };
}

/** Stops every process the pool holds (when the runner's test session closes). */
export function stopSpares(): void {
  closed = true;
  spares.clear();
  kept.clear();
  for (const child of everyChild) child.kill();
}
