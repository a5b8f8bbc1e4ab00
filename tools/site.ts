/**
 * `npm run site` / `npm run site:build` / `npm run site:serve`: the book's site.
 *
 *   tsx tools/site.ts dev   [docusaurus start options, e.g. --port 3001]
 *   tsx tools/site.ts build [docusaurus build options]
 *   tsx tools/site.ts serve [docusaurus serve options, e.g. --port 3001 --no-open]
 *   tsx tools/site.ts api   (only the API reference)
 *
 * `dev` and `build` first generate the API reference of solutions/ with typedoc, as HTML into
 * site/static/api (git-ignored), which Docusaurus then serves as static files at /api/. Then
 * Docusaurus runs in a child process, so its exit code is ours. `serve` serves site/build as built.
 * Nothing here needs the network.
 *
 * Docusaurus ends a build by suggesting `npm run serve`, which in this repo starts the WebSocket
 * server; that line is left out, and the build ends with the command that serves the book.
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Application } from 'typedoc';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SITE_DIR = path.join(ROOT, 'site');
export const BUILD_DIR = path.join(SITE_DIR, 'build');
export const API_DIR = path.join(SITE_DIR, 'static', 'api');

/** Where the API reference's "Defined in" links go: the book's own page of the file (site/plugins/source-pages.ts). */
const SOURCE_LINK_TEMPLATE = '/source/{path}';

/** The command that serves the built book (`npm run serve` is the WebSocket server's). */
export const SERVE_HINT = 'Use `npm run site:serve` to look at the built book (site/build) in a browser.';

/** No background registry checks (npm's update notifier) and no outdated-browserslist nag. */
const OFFLINE_ENV = {
  NO_UPDATE_NOTIFIER: '1',
  BROWSERSLIST_IGNORE_OLD_DATA: '1',
};
Object.assign(process.env, OFFLINE_ENV);

/** Generates the typedoc HTML reference of solutions/ and of the client API (chapter 14) into site/static/api. */
export async function buildApiReference(): Promise<void> {
  const started = Date.now();
  const app = await Application.bootstrapWithPlugins({
    name: 'WebSocket from scratch: reference solution',
    entryPoints: [path.join(ROOT, 'solutions'), path.join(ROOT, 'server', 'app', 'client.ts')],
    entryPointStrategy: 'expand',
    exclude: ['**/*.test.ts'],
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    out: API_DIR,
    readme: 'none',
    // The type check is `npm test`'s job; the reference is generated even from a tree in progress.
    skipErrorChecking: true,
    excludePrivate: true,
    disableGit: true,
    // With disableGit, {path} is relative to displayBasePath: the repository root, as /source/ pages are.
    displayBasePath: ROOT,
    sourceLinkTemplate: SOURCE_LINK_TEMPLATE,
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

/** Docusaurus's own "Use `npm run serve` …" line (`serve` here is the WebSocket server). */
const DOCUSAURUS_SERVE_HINT = /Use `npm run serve` command to test your build locally/;

/** Whether a line (colours removed) is {@link DOCUSAURUS_SERVE_HINT}. */
// eslint-disable-next-line no-control-regex
const isServeHint = (line: string): boolean => DOCUSAURUS_SERVE_HINT.test(line.replace(/\u001b\[[0-9;]*m/g, ''));

/** Copies a child's output to ours line by line, without Docusaurus's serve hint ({@link SERVE_HINT} follows the build). */
function relay(from: NodeJS.ReadableStream, to: NodeJS.WriteStream): void {
  let partial = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (!isServeHint(line)) to.write(`${line}\n`);
  });
  from.on('end', () => {
    if (partial !== '' && !isServeHint(partial)) to.write(partial);
  });
}

/** Runs the Docusaurus CLI on site/ (`start`, `build` or `serve`) and resolves with its exit code. */
export function runDocusaurus(command: 'start' | 'build' | 'serve', args: readonly string[] = []): Promise<number> {
  const require = createRequire(import.meta.url);
  const cli = path.join(path.dirname(require.resolve('@docusaurus/core/package.json')), 'bin', 'docusaurus.mjs');
  // Run from site/ so that Babel and PostCSS find site/.browserslistrc. A build's output passes
  // through relay() (colours kept when ours is a terminal); the others talk to the terminal.
  const filtered = command === 'build';
  const child = spawn(process.execPath, [cli, command, '.', ...args], {
    cwd: SITE_DIR,
    stdio: filtered ? ['inherit', 'pipe', 'pipe'] : 'inherit',
    env: { ...process.env, ...OFFLINE_ENV, ...(filtered && process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
  });
  if (filtered) {
    relay(child.stdout!, process.stdout);
    relay(child.stderr!, process.stderr);
  }
  // Ctrl-C reaches the child through the terminal; wait for it to finish rather than exit first.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
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

const USAGE = 'usage: tsx tools/site.ts dev|build|serve|api [docusaurus options]';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dev':
      await buildApiReference();
      return runDocusaurus('start', rest);
    case 'build': {
      const code = await buildSite(rest);
      if (code === 0) console.log(`Site built in ${path.relative(ROOT, BUILD_DIR)}/.\n${SERVE_HINT}`);
      return code;
    }
    case 'serve':
      if (!existsSync(path.join(BUILD_DIR, 'index.html'))) {
        console.error(`${path.relative(ROOT, BUILD_DIR)}/ holds no built site yet: run \`npm run site:build\` first.`);
        return 1;
      }
      return runDocusaurus('serve', ['--dir', 'build', ...rest]);
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
