/**
 * How the runner prints a property test's failure: fast-check's replay path and a long counterexample
 * are cut, the seed and the start of the counterexample stay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortenProperty } from '../../tools/runner/format.ts';

function failureOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the property was expected to fail');
}

describe('shortenProperty', () => {
  it('keeps the seed, drops the replay path and cuts a long counterexample', () => {
    const message = failureOf(() =>
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 2000, maxLength: 2000 }), (bytes) => bytes.length < 10),
        { seed: 42 },
      ),
    );
    expect(message.length, 'the raw message is long').toBeGreaterThan(2000);
    const short = shortenProperty(message);
    expect(short).toContain('(seed 42)');
    expect(short).not.toContain('path:');
    expect(short).toMatch(/Counterexample: .{100,}… \(\d+ more characters\)/);
    expect(short.length, short).toBeLessThan(1000);
  });

  it('leaves other messages alone', () => {
    const text = 'expected 1 to be 2\n{ seed: 1, path: "0" }';
    expect(shortenProperty(text)).toBe(text);
  });
});
