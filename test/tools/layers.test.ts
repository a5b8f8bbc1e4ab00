/**
 * The layer check of `npm test` (tools/check-layers.ts): it passes on this repo and fails, naming the
 * file, the line and the rule, on an import against the layer order or an import cycle.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers } from '../../tools/check-layers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const scratch: string[] = [];

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A tiny repo with the given files. */
function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
  scratch.push(dir);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('the layer check', () => {
  it('passes on this repo', () => {
    expect(checkLayers(root)).toEqual([]);
  });

  it('passes on imports that run one way', () => {
    const dir = repo({
      'core/errors.ts': 'export class E {}\n',
      'solutions/02-b/b.ts': "import { E } from '../../core/errors.ts';\nexport const b = E;\n",
      'solutions/03-c/c.ts': "import { b } from '../02-b/b.ts';\nexport const c = b;\n",
      'server/wiring/layers.ts': "import * as b from '@impl/02-b/b.ts';\nexport const x = b;\n",
      'server/wiring/connection.ts': "import type { b } from '@impl/02-b/b.ts';\nimport { x } from './layers.ts';\nexport const y = x;\n",
      'server/app/api.ts': "import { y } from '../wiring/connection.ts';\nexport const z = y;\n",
    });
    expect(checkLayers(dir)).toEqual([]);
  });

  it('fails on each import against the order, naming the file, the line and the rule', () => {
    const dir = repo({
      'core/errors.ts': "import { b } from '../solutions/02-b/b.ts';\nexport const e = b;\n",
      'core/bytes.ts': "import { Buffer } from 'node:buffer';\nexport const B = Buffer;\n",
      'solutions/02-b/b.ts': "\nimport { c } from '../03-c/c.ts';\nexport const b = c;\n",
      'solutions/03-c/c.ts': "import { w } from '../../server/wiring/connection.ts';\nexport const c = w;\n",
      'chapters/03-c/c.ts': "import { b } from '../../solutions/02-b/b.ts';\nexport const c = b;\n",
      'server/wiring/connection.ts': "import { decode } from '@impl/05-frames/decode.ts';\nimport { api } from '../app/api.ts';\nexport const w = [decode, api];\n",
      'server/app/api.ts': 'export const api = 1;\n',
      'tools/wire/client.ts': "import { decode } from '../../solutions/05-frames/decode.ts';\nexport const d = decode;\n",
    });
    const problems = checkLayers(dir).join('\n');
    expect(problems).toContain("core/errors.ts:1: import '../solutions/02-b/b.ts': core/ imports nothing but core/");
    expect(problems).toContain('core/bytes.ts:1: import \'node:buffer\': core/ is runtime-agnostic');
    expect(problems).toContain('solutions/02-b/b.ts:2: import \'../03-c/c.ts\': chapter 2 imports a later chapter (3)');
    expect(problems).toContain('solutions/03-c/c.ts:1:');
    expect(problems).toContain('chapters/03-c/c.ts:1: import \'../../solutions/02-b/b.ts\': a chapter never imports the other tree');
    expect(problems).toContain('server/wiring/connection.ts:1: import \'@impl/05-frames/decode.ts\': only server/wiring/layers.ts imports values');
    expect(problems).toContain('server/wiring/connection.ts:2: import \'../app/api.ts\': server/wiring imports server/app');
    expect(problems).toContain('tools/wire/client.ts:1:');
  });

  it('fails on an import cycle, listing the files around it', () => {
    const dir = repo({
      'server/wiring/a.ts': "import { b } from './b.ts';\nexport const a = b;\n",
      'server/wiring/b.ts': "import { a } from './a.ts';\nexport const b = a;\n",
    });
    expect(checkLayers(dir)).toEqual(['import cycle: server/wiring/a.ts → server/wiring/b.ts → server/wiring/a.ts']);
  });
});
