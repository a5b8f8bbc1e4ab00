/**
 * The runner's only state: which hints were shown, in `.workbook/state.json` (git-ignored).
 * Progress is never stored: it is computed by running the tests.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface State {
  /** Per chapter number, how many hints were shown. */
  hints: Record<string, number>;
}

export function statePath(root: string): string {
  return path.join(root, '.workbook', 'state.json');
}

export function readState(root: string): State {
  try {
    const parsed = JSON.parse(fs.readFileSync(statePath(root), 'utf8')) as Partial<State>;
    const hints: Record<string, number> = {};
    for (const [key, value] of Object.entries(parsed.hints ?? {})) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) hints[key] = value;
    }
    return { hints };
  } catch {
    return { hints: {} };
  }
}

export function writeState(root: string, state: State): void {
  const file = statePath(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}
