import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Which tree the tests run against. `solutions` by default; the runner sets WORKBOOK_IMPL=chapters
 * for the learner's code, and `npm test` points it at scratch trees to prove every starter fails.
 */
export const implDir = path.resolve(root, process.env.WORKBOOK_IMPL ?? 'solutions');

export default defineConfig({
  resolve: {
    alias: [{ find: /^@impl\//, replacement: `${implDir}/` }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    // Concurrent tests (chapter 08's wire tests) mostly wait on the server's timers: all of a block at once.
    maxConcurrency: 16,
    testTimeout: 10_000,
    hookTimeout: 10_000,
    pool: 'forks',
  },
});
