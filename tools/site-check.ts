/**
 * Checks the built book site in a real browser: the home page, a chapter with a Mermaid diagram, the
 * API reference, the frame lab (encoding and decoding with the reference codec) and the search;
 * and, in the built files, that no page links to a code-hosting site (the book shows its code itself).
 *
 *   npx tsx tools/site-check.ts [--reuse-build] [--out artifacts/site]
 *
 * It builds the site (`--reuse-build` keeps site/build when it is newer than every source of the
 * site), serves site/build from a small static server on 127.0.0.1, and drives Debian's Chromium
 * with playwright-core. Chromium may not resolve any outside host, so the check also proves that the
 * site works offline. A screenshot of every page, light and dark, goes to artifacts/site/.
 *
 * Prints one line per check and `N passed, M failed`; exits 1 if any check failed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { mkdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BUILD_DIR, ROOT, SITE_DIR, buildSite } from './site.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  // Chromium resolves no outside host: anything the site fetched from the network would fail.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT_MS = 20_000;

/** The frame RFC 6455 §5.7 sends: "Hello", masked with the key 37 fa 21 3d. */
const MASKED_HELLO = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
const UNMASKED_HELLO = '81 05 48 65 6c 6c 6f';

interface Options {
  reuseBuild: boolean;
  outDir: string;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { reuseBuild: false, outDir: path.join(ROOT, 'artifacts', 'site') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--reuse-build') options.reuseBuild = true;
    else if (arg === '--out' && argv[i + 1] !== undefined) options.outDir = path.resolve(argv[++i]!);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: tsx tools/site-check.ts [--reuse-build] [--out artifacts/site]');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg} (usage: tsx tools/site-check.ts [--reuse-build] [--out dir])`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// The build

/** The newest modification time among the files the site is built from. */
function newestSource(): { file: string; mtime: number } {
  let newest = { file: '', mtime: 0 };
  const visit = (target: string): void => {
    if (!existsSync(target)) return;
    const info = statSync(target);
    if (info.isDirectory()) {
      for (const entry of readdirSync(target)) {
        if (entry === 'node_modules' || entry === 'build' || entry === '.docusaurus' || entry === 'api') continue;
        visit(path.join(target, entry));
      }
    } else if (info.mtimeMs > newest.mtime) {
      newest = { file: target, mtime: info.mtimeMs };
    }
  };
  visit(path.join(ROOT, 'chapters'));
  visit(path.join(ROOT, 'solutions'));
  visit(SITE_DIR);
  return newest;
}

async function ensureBuild(options: Options): Promise<void> {
  const index = path.join(BUILD_DIR, 'index.html');
  if (options.reuseBuild && existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const newest = newestSource();
    if (built >= newest.mtime) {
      console.log(`Reusing site/build (newer than every source of the site).`);
      return;
    }
    console.log(`site/build is older than ${path.relative(ROOT, newest.file)}: building again.`);
  }
  const code = await buildSite();
  if (code !== 0) throw new Error(`npm run site:build failed (exit code ${code}); see its output above`);
}

// ---------------------------------------------------------------------------------------------
// A static server for site/build, on 127.0.0.1 only

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
};

/** The file a URL path names: the file itself, its index.html, or `<path>.html`. */
async function resolveFile(root: string, urlPath: string): Promise<string | null> {
  const relative = path.normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const target = path.join(root, relative);
  if (target !== root && !target.startsWith(root + path.sep)) return null;
  for (const candidate of [target, path.join(target, 'index.html'), `${target}.html`]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return null;
}

async function serveBuild(root: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const urlPath = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    resolveFile(root, urlPath)
      .then(async (file) => {
        const status = file === null ? 404 : 200;
        const served = file ?? path.join(root, '404.html');
        const body = await readFile(served).catch(() => Buffer.from('not found'));
        response.writeHead(status, {
          'content-type': CONTENT_TYPES[path.extname(served)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        response.end(body);
      })
      .catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The checks

class CheckFailure extends Error {}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

interface Session {
  origin: string;
  light: BrowserContext;
  dark: BrowserContext;
  outDir: string;
  /** Chapter number ('03') or appendix folder → its URL path and title, from the home page's list. */
  chapters: Map<string, { href: string; title: string }>;
}

/** Opens `urlPath` in a fresh page and fails on any uncaught error in the page. */
async function open(context: BrowserContext, origin: string, urlPath: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(origin + urlPath, { waitUntil: 'load' });
  expect(response !== null && response.ok(), `GET ${urlPath} answered ${response?.status() ?? 'nothing'}`);
  return { page, errors };
}

function expectNoPageErrors(errors: string[], urlPath: string): void {
  expect(errors.length === 0, `${urlPath} threw in the browser: ${errors.join(' | ')}`);
}

async function screenshot(page: Page, session: Session, name: string): Promise<void> {
  await page.screenshot({ path: path.join(session.outDir, `${name}.png`), fullPage: true });
}

/** Chapters whose README has ```mermaid blocks: chapter number ('04') → how many. */
function chaptersWithMermaid(): Map<string, number> {
  const dir = path.join(ROOT, 'chapters');
  const found = new Map<string, number>();
  for (const name of readdirSync(dir).filter((entry) => /^\d\d-/.test(entry)).sort()) {
    const readme = path.join(dir, name, 'README.md');
    if (!existsSync(readme)) continue;
    const blocks = readFileSync(readme, 'utf8').match(/^\s*```mermaid\s*$/gm)?.length ?? 0;
    if (blocks > 0) found.set(name.slice(0, 2), blocks);
  }
  return found;
}

async function checkHome(session: Session): Promise<string> {
  const { page, errors } = await open(session.light, session.origin, '/');
  const title = normalise(await page.locator('h1').first().innerText());
  expect(/WebSocket/i.test(title), `home page heading is "${title}", expected it to name WebSocket`);
  const links = page.locator('[data-testid="chapter-list"] a[data-chapter], a[data-chapter]');
  const count = await links.count();
  expect(count > 0, 'home page lists no chapters (is there any chapters/NN-slug/README.md?)');
  for (let i = 0; i < count; i++) {
    const link = links.nth(i);
    const key = await link.getAttribute('data-chapter');
    const href = await link.getAttribute('href');
    const chapterTitle = (await link.getAttribute('data-title')) ?? '';
    if (key !== null && href !== null) session.chapters.set(key, { href, title: chapterTitle });
  }
  const text = normalise(await page.locator('main').innerText());
  expect(text.includes('npm ci && npm start'), 'home page does not show `npm ci && npm start`');
  expect(text.includes('npm test'), 'home page does not show `npm test`');
  expect((await page.locator('a[href="/api/index.html"]').count()) > 0, 'no link to the API reference');
  expect((await page.locator('a[href="/frame-lab"]').count()) > 0, 'no link to the frame lab');
  expectNoPageErrors(errors, '/');
  await screenshot(page, session, 'home-light');
  await page.close();

  const dark = await open(session.dark, session.origin, '/');
  const theme = await dark.page.locator('html').getAttribute('data-theme');
  expect(theme === 'dark', `home page in a dark-mode browser has data-theme="${theme}", expected "dark"`);
  await screenshot(dark.page, session, 'home-dark');
  await dark.page.close();
  return `home page: "${title}", ${count} chapters listed, both commands, light and dark`;
}

async function checkMermaid(session: Session): Promise<string> {
  const candidates = chaptersWithMermaid();
  expect(candidates.size > 0, 'no chapters/NN-slug/README.md contains a ```mermaid block');
  const number = candidates.has('04') ? '04' : [...candidates.keys()][0]!;
  const expected = candidates.get(number)!;
  const urlPath = session.chapters.get(number)?.href;
  expect(urlPath !== undefined, `chapter ${number} has a Mermaid block but no link on the home page`);
  const results: string[] = [];
  for (const [mode, context] of [['light', session.light], ['dark', session.dark]] as const) {
    const { page, errors } = await open(context, session.origin, urlPath);
    const svg = page.locator('.docusaurus-mermaid-container svg').first();
    await svg.waitFor({ state: 'visible' }).catch(() => {
      throw new CheckFailure(`no Mermaid diagram rendered as <svg> on ${urlPath} (chapter ${number}) within ${TIMEOUT_MS} ms`);
    });
    const box = await svg.boundingBox();
    expect(box !== null && box.width > 50 && box.height > 50, `the Mermaid svg on ${urlPath} is empty or tiny`);
    // Every ```mermaid block of the README becomes a diagram (they render one after another).
    const all = page.locator('.docusaurus-mermaid-container svg');
    await page
      .waitForFunction((n) => document.querySelectorAll('.docusaurus-mermaid-container svg').length >= n, expected)
      .catch(() => undefined);
    const diagrams = await all.count();
    expect(diagrams >= expected, `${urlPath} rendered ${diagrams} Mermaid diagrams; its README has ${expected} \`\`\`mermaid blocks`);
    expectNoPageErrors(errors, urlPath);
    await screenshot(page, session, `chapter-${number}-${mode}`);
    await page.close();
    results.push(`${diagrams}/${expected} diagrams (${mode})`);
  }
  return `chapter ${number} (${urlPath}) renders Mermaid as svg: ${results.join(', ')}`;
}

/** Every chapter page loads, and every ```mermaid block of its README becomes a diagram. */
async function checkAllChapters(session: Session): Promise<string> {
  const mermaid = chaptersWithMermaid();
  const numbered = [...session.chapters.entries()].filter(([key]) => /^\d\d$/.test(key));
  expect(numbered.length > 0, 'no chapter pages to check');
  const problems: string[] = [];
  let diagrams = 0;
  for (const [number, { href }] of numbered) {
    const page = await session.light.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message.split('\n').slice(0, 3).join(' ')));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text().split('\n').slice(0, 3).join(' '));
    });
    try {
      const response = await page.goto(session.origin + href, { waitUntil: 'load' });
      if (response === null || !response.ok()) {
        problems.push(`chapter ${number} (${href}) answered ${response?.status() ?? 'nothing'}`);
        continue;
      }
      const expected = mermaid.get(number) ?? 0;
      if (expected > 0) {
        await page
          .waitForFunction((n) => document.querySelectorAll('.docusaurus-mermaid-container svg').length >= n, expected, {
            timeout: 10_000,
          })
          .catch(() => undefined);
      }
      const rendered = await page.locator('.docusaurus-mermaid-container svg').count();
      diagrams += rendered;
      if (rendered < expected) {
        problems.push(
          `chapter ${number} (${href}): ${rendered} of its ${expected} Mermaid blocks rendered` +
            (errors.length > 0 ? `; the browser said: ${errors.join(' | ')}` : ''),
        );
      } else if (errors.length > 0) {
        problems.push(`chapter ${number} (${href}) threw in the browser: ${errors.join(' | ')}`);
      }
    } finally {
      await page.close();
    }
  }
  expect(problems.length === 0, problems.join('\n      '));
  return `all ${numbered.length} chapter pages load; ${diagrams} Mermaid diagrams rendered, one per block`;
}

async function checkApiReference(session: Session): Promise<string> {
  const { page, errors } = await open(session.light, session.origin, '/api/index.html');
  const title = await page.title();
  const text = normalise(await page.locator('body').innerText());
  expect(/05-frames/.test(text), 'the API reference index does not list the 05-frames modules');
  expectNoPageErrors(errors, '/api/index.html');
  await screenshot(page, session, 'api');
  await page.close();
  return `API reference: "${title}" lists the modules of solutions/`;
}

async function openLab(context: BrowserContext, origin: string): Promise<{ page: Page; errors: string[] }> {
  const lab = await open(context, origin, '/frame-lab');
  // Typing before React hydrates the prerendered page would be lost.
  await lab.page.locator('[data-testid="frame-lab"][data-hydrated="true"]').waitFor();
  return lab;
}

async function checkLabEncodes(session: Session): Promise<string> {
  const { page, errors } = await openLab(session.light, session.origin);
  const encoder = page.getByTestId('encoder');
  await encoder.getByTestId('opcode').selectOption({ label: 'text (0x1)' });
  await encoder.getByTestId('fin').check();
  await encoder.getByTestId('mask').check();
  await encoder.getByTestId('masking-key').fill('37 fa 21 3d');
  await encoder.getByTestId('payload').fill('Hello');
  const failure = encoder.getByTestId('encode-error');
  if ((await failure.count()) > 0) {
    throw new CheckFailure(`the encoder failed: ${normalise(await failure.innerText())}`);
  }
  const hex = normalise(await encoder.getByTestId('encoded-hex').innerText());
  expect(hex === MASKED_HELLO, `"Hello" masked with 37 fa 21 3d encoded as "${hex}", expected "${MASKED_HELLO}" (RFC 6455 §5.7)`);
  expectNoPageErrors(errors, '/frame-lab');
  await page.close();
  return `frame lab encodes "Hello" masked with 37 fa 21 3d as ${hex}`;
}

async function checkLabDecodes(session: Session): Promise<string> {
  let summary = '';
  for (const [mode, context] of [['light', session.light], ['dark', session.dark]] as const) {
    const { page, errors } = await openLab(context, session.origin);
    const decoder = page.getByTestId('decoder');
    await decoder.getByTestId('decode-input').fill(UNMASKED_HELLO);
    const failure = decoder.getByTestId('decode-failure');
    if ((await failure.count()) > 0) {
      throw new CheckFailure(`the decoder failed: ${normalise(await failure.innerText())}`);
    }
    const description = normalise(await decoder.getByTestId('frame-description').first().innerText());
    for (const word of ['text', 'FIN', 'unmasked', '5 bytes', 'Hello']) {
      expect(description.includes(word), `decoding ${UNMASKED_HELLO} gave "${description}", which does not say "${word}"`);
    }
    const error = decoder.getByTestId('frame-error');
    expect((await error.count()) > 0, `decoding ${UNMASKED_HELLO} shows no client-frame error (an unmasked client frame is refused, RFC 6455 §5.1)`);
    const errorText = normalise(await error.innerText());
    expect(/mask/i.test(errorText) && errorText.includes('1002'), `the error for an unmasked client frame is "${errorText}", expected it to mention masking and close code 1002`);
    expectNoPageErrors(errors, '/frame-lab');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, session, `frame-lab-${mode}`);
    await page.close();
    summary = `frame lab decodes ${UNMASKED_HELLO}: "${description}"; error: "${errorText}"`;
  }
  return summary;
}

async function checkSearch(session: Session): Promise<string> {
  const chapter = session.chapters.get('03');
  expect(chapter !== undefined, 'chapter 03 is not on the home page, so the search cannot find it');
  const { page, errors } = await open(session.light, session.origin, '/');
  const input = page.locator('input.navbar__search-input').first();
  await input.click();
  await input.pressSequentially('Sec-WebSocket-Accept', { delay: 20 });
  const options = page.locator('.navbar__search [role="listbox"] [role="option"]');
  await options.first().waitFor({ state: 'visible' }).catch(() => {
    throw new CheckFailure('searching "Sec-WebSocket-Accept" shows no results');
  });
  const texts = (await options.allInnerTexts()).map(normalise);
  const index = texts.findIndex((text) => text.includes(chapter.title));
  expect(index >= 0, `searching "Sec-WebSocket-Accept" offered nothing from chapter 03 ("${chapter.title}"); results: ${texts.join(' | ')}`);
  await screenshot(page, session, 'search');
  // Choosing the result opens the chapter.
  await options.nth(index).click();
  const target = chapter.href.replace(/\/$/, '');
  await page.waitForURL((url) => url.pathname.replace(/\/$/, '') === target).catch(() => {
    throw new CheckFailure(`choosing the chapter 03 result opened ${page.url()}, expected ${chapter.href}`);
  });
  expectNoPageErrors(errors, '/');
  await page.close();
  return `search "Sec-WebSocket-Accept" offers chapter 03 (result ${index + 1} of ${texts.length}: "${texts[index]}") and opens ${chapter.href}`;
}

/**
 * Hosts a built page must not link to: the book works offline and shows its own code at /source/,
 * so a link to a code-hosting site is a link the reader may not be able to follow. References
 * (the RFCs on rfc-editor.org, MDN) are other hosts and stay allowed.
 */
const CODE_HOSTS = /^(?:[\w-]+\.)*(?:github\.com|githubusercontent\.com|gitlab\.com|bitbucket\.org)$/i;

/** Every `href`/`src` in the built HTML that points at a code-hosting site, as `file: url`. */
export function onlineCodeLinks(buildDir: string): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const target = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(target);
      else if (entry.name.endsWith('.html')) {
        const html = readFileSync(target, 'utf8');
        // Attributes of real tags only: a code listing that mentions a link shows it as escaped text.
        const attributes = [...html.matchAll(/<[a-z][^<>]*>/gi)].flatMap((tag) => [
          ...tag[0].matchAll(/\s(?:href|src)\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi),
        ]);
        for (const match of attributes) {
          const url = match[1]!;
          let host: string;
          try {
            host = new URL(url, 'https://book.invalid').hostname;
          } catch {
            continue;
          }
          if (CODE_HOSTS.test(host)) found.push(`${path.relative(buildDir, target)}: ${url}`);
        }
      }
    }
  };
  visit(buildDir);
  return found;
}

async function checkNoOnlineCodeLinks(): Promise<string> {
  const links = onlineCodeLinks(BUILD_DIR);
  const shown = links.slice(0, 5).join('; ');
  expect(
    links.length === 0,
    `${links.length} link(s) in site/build go to a code-hosting site, which an offline reader cannot open (link /source/<path> instead): ${shown}`,
  );
  return 'no built page links to github.com (or another code host): code links open /source/ pages';
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(CHROMIUM)) {
    console.error(`${CHROMIUM} is missing: install Chromium with \`apt-get install -y chromium\` (Debian), then run this again.`);
    return 1;
  }
  await ensureBuild(options);
  await mkdir(options.outDir, { recursive: true });

  const server = await serveBuild(BUILD_DIR);
  let browser: Browser | undefined;
  let passed = 0;
  let failed = 0;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: TIMEOUT_MS });
    const viewport = { width: 1280, height: 900 };
    const session: Session = {
      origin: server.origin,
      light: await browser.newContext({ viewport, colorScheme: 'light' }),
      dark: await browser.newContext({ viewport, colorScheme: 'dark' }),
      outDir: options.outDir,
      chapters: new Map(),
    };
    console.log(`Serving site/build at ${server.origin}; screenshots in ${path.relative(ROOT, options.outDir) || '.'}/`);
    const checks: [string, (session: Session) => Promise<string>][] = [
      ['home page', checkHome],
      ['chapter with a Mermaid diagram', checkMermaid],
      ['every chapter page', checkAllChapters],
      ['API reference', checkApiReference],
      ['frame lab: encode', checkLabEncodes],
      ['frame lab: decode', checkLabDecodes],
      ['search', checkSearch],
      ['no links to code hosts', checkNoOnlineCodeLinks],
    ];
    for (const [name, check] of checks) {
      try {
        const detail = await check(session);
        passed++;
        console.log(`ok    ${detail}`);
      } catch (error) {
        failed++;
        const message = error instanceof CheckFailure ? error.message : error instanceof Error ? error.message.split('\n')[0] : String(error);
        console.log(`FAIL  ${name}: ${message}`);
      }
    }
  } finally {
    await browser?.close();
    await server.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`site check failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
