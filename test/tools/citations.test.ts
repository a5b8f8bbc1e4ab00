/**
 * The citation check (tools/check-citations.ts): a made-up section fails it, real ones pass, and a
 * bare § is read as citing the RFC named around it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkText, readSectionLists } from '../../tools/check-citations.ts';

/** The section sign, written so that the citations made up below are not in this file's text. */
const S = '\u00a7';

const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citations-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the script on one temporary file holding `text`. */
function runOn(name: string, text: string): { status: number | null; stdout: string } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['tools/check-citations.ts', file], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout };
}

const lists = readSectionLists();
const problemsIn = (text: string, file = 'x.ts') => checkText(file, text, lists).problems.map((problem) => problem.citation);

describe('the script', () => {
  it('fails on a section RFC 6455 does not have, naming the file, the line and the citation', () => {
    const { status, stdout } = runOn('made-up.ts', `// fine: RFC 6455 ${S}5.5.1\nthrow new Error(\`bad frame (RFC 6455 ${S}5.99)\`);\n`);
    expect(status, stdout).toBe(1);
    expect(stdout).toMatch(/made-up\.ts:2: RFC 6455 §5\.99: RFC 6455 has no section 5\.99/);
    expect(stdout).not.toContain('made-up.ts:1:');
  }, 20_000);

  it('passes on real sections of each RFC, and says so in one line', () => {
    const text = [
      '# Notes',
      '',
      `RFC 6455 ${S}5.5.1 and ${S}7.4.2; ${S}4.2.2 step 5.5; RFC 9112 ${S}3.2.2; RFC 9110 ${S}7.8, ${S}15.5.22; RFC 7692 ${S}7.2.3.6.`,
      '',
    ].join('\n');
    const { status, stdout } = runOn('real.md', text);
    expect(status, stdout).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/^citations OK: 7 citations/);
  }, 20_000);
});

describe('the section lists (tools/rfc-sections/)', () => {
  it('hold RFC 6455, 7692, 9110 and 9112, every subsection under a section that is listed too', () => {
    for (const rfc of ['6455', '7692', '9110', '9112']) expect(lists.has(rfc), `tools/rfc-sections/rfc${rfc}.txt`).toBe(true);
    for (const [rfc, list] of lists) {
      for (const section of list.sections) {
        const parent = section.slice(0, Math.max(0, section.lastIndexOf('.')));
        if (parent !== '') expect(list.sections.has(parent), `RFC ${rfc}: ${section} is listed, its parent ${parent} is not`).toBe(true);
      }
      for (const section of list.steps.keys()) {
        expect(list.sections.has(section), `RFC ${rfc}: steps of ${section}, which is not a listed section`).toBe(true);
      }
    }
  });

  it('know the numbered steps of RFC 6455 §4.1, §4.2.1 and §4.2.2', () => {
    const steps = lists.get('6455')!.steps;
    expect([...steps.get('4.2.2')!]).toEqual(['1', '2', '3', '4', '5', '5.1', '5.2', '5.3', '5.4', '5.5', '5.6']);
    expect(steps.get('4.2.1')!.size).toBe(10);
    expect(steps.get('4.1')!.size).toBe(12);
  });
});

describe('reading citations', () => {
  it(`checks steps where the list names them: ${S}4.2.2 has steps 1–5 and 5.1–5.6`, () => {
    expect(problemsIn(`// RFC 6455 ${S}4.2.2 step 5.5, ${S}4.2.2 item 5.4, step 4 of ${S}4.2.2, ${S}4.2.1 item 10`)).toEqual([]);
    expect(problemsIn(`// RFC 6455 ${S}4.2.2 step 5.7`)).toEqual([`RFC 6455 ${S}4.2.2 step 5.7`]);
    expect(problemsIn(`// ${S}4.2.1 item 11`)).toEqual([`RFC 6455 ${S}4.2.1 item 11`]);
    expect(problemsIn(`// step 6 of ${S}4.2.2`)).toEqual([`RFC 6455 step 6 of ${S}4.2.2`]);
  });

  it(`a bare ${S} cites RFC 6455, unless its line or comment names another RFC`, () => {
    // §5.5.3 exists in RFC 6455 (Pong) but not in RFC 9112, and §9.6 exists in RFC 9112 but not in 6455.
    expect(problemsIn(`// a pong (${S}5.5.3)`)).toEqual([]);
    expect(problemsIn(`// RFC 9112 ${S}9.6, then ${S}5.5.3`)).toEqual([`RFC 9112 ${S}5.5.3`]);
    expect(problemsIn(`/**\n * Tear-down, RFC 9112 ${S}9.6: the server closes,\n * as ${S}9.6 says.\n */`)).toEqual([]);
    expect(problemsIn(`/**\n * Tear-down (RFC 9112 ${S}9.6).\n */\n// a new comment that names no RFC: ${S}9.6`)).toEqual([`RFC 6455 ${S}9.6`]);
    expect(problemsIn(`// ${S}9.6 of RFC 9112`)).toEqual([]);
    expect(problemsIn(`Close (${S}5.5.1), then a new RFC 6455 paragraph.\n\nRFC 9110 ${S}7.8 and ${S}7.6.1.`, 'x.md')).toEqual([]);
  });

  it('reads an RFC named right after an escape in a string, as in a test message ("…\\nRFC 9112 §3.2.2")', () => {
    expect(problemsIn(`const message = 'got 400\\nRFC 9112 ${S}9.6';`)).toEqual([]);
    expect(problemsIn(`const message = 'got 400\\nRFC 9112 ${S}5.5.3';`)).toEqual([`RFC 9112 ${S}5.5.3`]);
  });

  it('checks both ends of a range and every section of a list', () => {
    expect(problemsIn(`// RFC 9112 ${S}2–${S}5, RFC 6455 ${S}5.5.2–${S}5.5.3, ${S}7.1.1–7.1.4`)).toEqual([]);
    expect(problemsIn(`// RFC 6455 ${S}5.2–${S}5.9`)).toEqual([`RFC 6455 ${S}5.2–${S}5.9`]);
  });

  it('reads "RFC 6455 section 5.2" and "Section 5.2 of RFC 6455" too', () => {
    expect(problemsIn('label="RFC 6455 section 5.2"; see Section 7.4.1 of RFC 6455')).toEqual([]);
    const made = `RFC 6455 ${'section'} 5.12`;
    expect(problemsIn(`label="${made}"`)).toEqual([made]);
  });
});
