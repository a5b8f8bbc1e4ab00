/**
 * The workbook's server (reference by default, the learner's with `--impl chapters`) as the bench
 * runner starts it: its own process, printing its port on stdout. Echo on every path but /chat.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const impl = process.argv.includes('--impl') ? process.argv[process.argv.indexOf('--impl') + 1] : 'solutions';
if (impl !== 'solutions' && impl !== 'chapters') throw new Error(`--impl must be solutions or chapters, not ${impl}`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const module = (await import(path.join(root, impl, 'wiring/serve.ts'))) as typeof import('../../solutions/wiring/serve.ts');
const server = await module.serve({ port: 0 });
console.log(server.port);
