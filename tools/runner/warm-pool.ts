/**
 * vitest's process pool with a spare worker kept booted, so a save does not wait for one to start.
 *
 * vitest starts a fresh child process for every test file of a run and stops it when the file ends.
 * Booting one (node itself, then vitest's runtime) costs a few hundred milliseconds on an idle
 * laptop and several times that on a busy one, and it is the same work every time. This pool forks
 * its processes ahead: when vitest asks for a worker it gets a process that is already booted and
 * waiting for its first message, and a replacement is forked at once, to boot while the tests run
 * and the learner edits. Test files still run one per fresh process, exactly as in `npm test`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ForksPoolWorker, type PoolOptions } from 'vitest/node';

export const WARM_POOL_NAME = 'warm-forks';

interface ForkShape {
  entrypoint: string;
  env: Partial<NodeJS.ProcessEnv>;
  execArgv: string[];
  _fork?: ChildProcess;
}

/** Booted processes waiting for work, per recipe (entry point, environment, node options). */
const spares = new Map<string, ChildProcess[]>();
let wanted = 1;
let closed = false;

function recipeOf(shape: ForkShape): string {
  return JSON.stringify([shape.entrypoint, shape.execArgv, shape.env]);
}

function forkLike(shape: ForkShape): ChildProcess {
  // The same options vitest's own forks pool uses, so the process cannot tell the difference.
  const child = fork(shape.entrypoint, [], { env: shape.env as NodeJS.ProcessEnv, execArgv: shape.execArgv, stdio: 'pipe', serialization: 'advanced' });
  // A spare prints nothing before it is given work; its output is not read until then.
  child.once('exit', () => {
    for (const list of spares.values()) {
      const index = list.indexOf(child);
      if (index >= 0) list.splice(index, 1);
    }
  });
  return child;
}

function refill(shape: ForkShape): void {
  if (closed) return;
  const key = recipeOf(shape);
  const list = spares.get(key) ?? [];
  spares.set(key, list);
  while (list.length < wanted) list.push(forkLike(shape));
}

class WarmForksPoolWorker extends ForksPoolWorker {
  override readonly name = WARM_POOL_NAME;

  override async start(): Promise<void> {
    const shape = this as unknown as ForkShape;
    if (!shape._fork) {
      const list = spares.get(recipeOf(shape));
      const spare = list?.shift();
      if (spare && spare.exitCode === null && spare.connected) shape._fork = spare;
    }
    await super.start();
    refill(shape);
  }
}

/** The pool to give vitest as `pool`; `spareCount` processes are kept booted. */
export function warmForksPool(spareCount = 1): { name: string; createPoolWorker: (options: PoolOptions) => WarmForksPoolWorker } {
  wanted = spareCount;
  closed = false;
  return { name: WARM_POOL_NAME, createPoolWorker: (options) => new WarmForksPoolWorker(options) };
}

/** Stops every spare (when the runner's test session closes). */
export function stopSpares(): void {
  closed = true;
  for (const list of spares.values()) for (const child of list.splice(0)) child.kill();
}
