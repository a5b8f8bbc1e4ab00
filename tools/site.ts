/**
 * `npm run site` / `npm run site:build`: the book's site.
 *
 *   tsx tools/site.ts dev   [docusaurus start options, e.g. --port 3001]
 *   tsx tools/site.ts build [docusaurus build options]
 *   tsx tools/site.ts api   (only the API reference)
 *
 * Both first generate the API reference of solutions/ with typedoc, as HTML into site/static/api
 * (git-ignored), which Docusaurus then serves as static files at /api/. Then Docusaurus runs in a
 * child process, so its exit code is ours. Nothing here needs the network.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Application } from 'typedoc';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SITE_DIR = path.join(ROOT, 'site');
export const BUILD_DIR = path.join(SITE_DIR, 'build');
export const API_DIR = path.join(SITE_DIR, 'static', 'api');

const REPOSITORY_URL = 'https://github.com/websocket-from-scratch/workbook';

/** No background registry checks (npm's update notifier) and no outdated-browserslist nag. */
const OFFLINE_ENV = {
  NO_UPDATE_NOTIFIER: '1',
  BROWSERSLIST_IGNORE_OLD_DATA: '1',
};
Object.assign(process.env, OFFLINE_ENV);

/** Generates the typedoc HTML reference of solutions/ into site/static/api. */
export async function buildApiReference(): Promise<void> {
  const started = Date.now();
  const app = await Application.bootstrapWithPlugins({
    name: 'WebSocket from scratch: reference solution',
    entryPoints: [path.join(ROOT, 'solutions')],
    entryPointStrategy: 'expand',
    exclude: ['**/*.test.ts'],
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    out: API_DIR,
    readme: 'none',
    // The type check is `npm test`'s job; the reference is generated even from a tree in progress.
    skipErrorChecking: true,
    excludePrivate: true,
    disableGit: true,
    sourceLinkTemplate: `${REPOSITORY_URL}/blob/main/{path}#L{line}`,
    navigationLinks: { 'The book': '/', 'Frame lab': '/frame-lab' },
    logLevel: 'Warn',
    // Types that exported functions mention but the module keeps private are the solution's choice.
    validation: { notExported: false },
  });
  const project = await app.convert();
  if (project === undefined || app.logger.hasErrors()) {
    throw new Error('typedoc could not convert solutions/ (see the messages above)');
  }
  app.validate(project);
  await app.generateDocs(project, API_DIR);
  if (app.logger.hasErrors()) throw new Error('typedoc failed to write the API reference');
  console.log(`API reference: ${path.relative(ROOT, API_DIR)}/index.html (${Date.now() - started} ms)`);
}

/** Runs the Docusaurus CLI on site/ (`start` or `build`) and resolves with its exit code. */
export function runDocusaurus(command: 'start' | 'build', args: readonly string[] = []): Promise<number> {
  const require = createRequire(import.meta.url);
  const cli = path.join(path.dirname(require.resolve('@docusaurus/core/package.json')), 'bin', 'docusaurus.mjs');
  // Run from site/ so that Babel and PostCSS find site/.browserslistrc.
  const child = spawn(process.execPath, [cli, command, '.', ...args], {
    cwd: SITE_DIR,
    stdio: 'inherit',
    env: { ...process.env, ...OFFLINE_ENV },
  });
  // Ctrl-C reaches the child through the terminal; wait for it to finish rather than exit first.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code ?? 1);
    });
  });
}

/** typedoc, then `docusaurus build`: the static site in site/build. */
export async function buildSite(args: readonly string[] = []): Promise<number> {
  await buildApiReference();
  return runDocusaurus('build', args);
}

const USAGE = 'usage: tsx tools/site.ts dev|build|api [docusaurus options]';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dev':
      await buildApiReference();
      return runDocusaurus('start', rest);
    case 'build': {
      const code = await buildSite(rest);
      if (code === 0) console.log(`Site built in ${path.relative(ROOT, BUILD_DIR)}/`);
      return code;
    }
    case 'api':
      await buildApiReference();
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
