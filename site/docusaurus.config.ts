/**
 * The book's site: every chapter's README.md rendered as a page, the frame lab, the API reference.
 *
 * The docs plugin reads straight from ../chapters, so a chapter's text lives beside its starter code
 * and there is one copy of it. Only `<dir>/README.md` files are pages; the `.ts` starters next to them
 * are not. Number prefixes (`05-frames`) order the sidebar and are dropped from the URLs
 * (`/chapters/frames/`).
 *
 * READMEs are plain Markdown (`format: 'detect'`: `.md` is CommonMark, only `.mdx` would be MDX), so
 * prose may say `Promise<Server>` without breaking the build.
 */
import type { Config, Plugin } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import type { LoadedContent as DocsContent, PluginOptions as DocsOptions } from '@docusaurus/plugin-content-docs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { themes as prismThemes } from 'prism-react-renderer';
import remarkSourceLinks from './plugins/remark-source-links';
import sourcePages from './plugins/source-pages';

/** The repository on disk: the book shows its chapters and its source files from here, offline. */
const ROOT = path.resolve(__dirname, '..');

/** A chapter as the home page lists it. */
export interface ChapterEntry {
  /** `05` for `chapters/05-frames`; empty for a folder without a number. */
  number: string;
  /** The page title (the README's `# heading`). */
  title: string;
  /** The title without a leading chapter number (`05 · Frames` → `Frames`). */
  shortTitle: string;
  /** The README's opening sentences, as plain text. */
  description: string;
  permalink: string;
  /** The chapter's folder, e.g. `05-frames`. */
  dir: string;
}

/**
 * Each chapter folder holds one page (its README.md). The default generator makes a category per
 * folder whose link is that README; a category with no other items becomes a plain link to the doc,
 * labelled with the chapter's title rather than the folder name.
 */
const sidebarItemsGenerator: DocsOptions['sidebarItemsGenerator'] = async ({ defaultSidebarItemsGenerator, ...args }) => {
  const items = await defaultSidebarItemsGenerator(args);
  return items.map((item) => {
    if (item.type === 'category' && item.items.length === 0 && item.link?.type === 'doc') {
      return { type: 'doc', id: item.link.id };
    }
    return item;
  });
};

const MAX_DESCRIPTION = 240;

/** Markdown inline syntax to plain text: links, code spans, emphasis. */
function plainText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__|\*|_)(\S(?:.*?\S)?)\1/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The opening of a README for the home page: its first paragraph of prose, as many whole sentences
 * as fit in MAX_DESCRIPTION characters. (Docusaurus's own excerpt stops at the first line break.)
 */
function readmeOpening(file: string, fallback: string): string {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, '');
  const paragraph = body
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .find((block) => block !== '' && !/^(#|```|>|\||[-*+] |\d+\. |<|!\[)/.test(block));
  if (paragraph === undefined) return fallback;
  const sentences = plainText(paragraph).split(/(?<=[.!?:])\s+(?=[A-Z(])/);
  let text = '';
  for (const sentence of sentences) {
    if (text !== '' && text.length + 1 + sentence.length > MAX_DESCRIPTION) break;
    text = text === '' ? sentence : `${text} ${sentence}`;
  }
  if (text.length > MAX_DESCRIPTION) {
    const cut = text.slice(0, MAX_DESCRIPTION);
    text = `${cut.slice(0, cut.lastIndexOf(' '))} …`;
  }
  return text.replace(/:$/, '.');
}

/**
 * Hands the list of chapters (title, description, URL) to the home page, from the docs the docs
 * plugin loaded: the home page then links exactly the pages that exist.
 */
function chapterListPlugin(context: { siteDir: string }): Plugin {
  return {
    name: 'workbook-chapter-list',
    async allContentLoaded({ allContent, actions }) {
      const docsContent = allContent['docusaurus-plugin-content-docs']?.['default'] as DocsContent | undefined;
      const docs = docsContent?.loadedVersions[0]?.docs ?? [];
      const chapters: ChapterEntry[] = docs
        .map((doc) => {
          const dir = doc.sourceDirName;
          const number = /^(\d+)-/.exec(dir)?.[1] ?? '';
          const file = path.resolve(context.siteDir, doc.source.replace(/^@site\//, ''));
          const frontMatterDescription = doc.frontMatter.description;
          return {
            number,
            title: doc.title,
            shortTitle:
              number === ''
                ? doc.title
                : doc.title.replace(new RegExp(`^(chapter\\s+)?0*${Number(number)}\\s*[·.:—–-]?\\s+`, 'i'), ''),
            description: frontMatterDescription ?? readmeOpening(file, doc.description),
            permalink: doc.permalink,
            dir,
          };
        })
        // Numbered chapters in order, then appendices by name.
        .sort((a, b) => (a.number || '~').localeCompare(b.number || '~') || a.dir.localeCompare(b.dir));
      actions.setGlobalData({ chapters });
    },
  };
}

const config: Config = {
  title: 'WebSocket from scratch',
  tagline: 'Build an RFC 6455 WebSocket server in TypeScript, from a bare TCP socket, one layer per chapter.',
  favicon: 'img/favicon.svg',
  url: 'https://websocket-from-scratch.github.io',
  baseUrl: '/',
  trailingSlash: undefined,

  onBrokenLinks: 'throw',
  onBrokenAnchors: 'warn',

  markdown: {
    format: 'detect',
    mermaid: true,
    hooks: {
      onBrokenMarkdownLinks: 'throw',
    },
  },

  i18n: { defaultLocale: 'en', locales: ['en'] },

  presets: [
    [
      'classic',
      {
        docs: {
          path: '../chapters',
          routeBasePath: 'chapters',
          // One page per chapter folder (an unnumbered appendix folder may have one too);
          // starters, tests and any other file in chapters/ are not pages.
          include: ['*/README.md'],
          exclude: ['**/node_modules/**'],
          sidebarPath: './sidebars.ts',
          sidebarItemsGenerator,
          // No "Edit this page": the book works offline, and a chapter is edited in chapters/ itself.
          beforeDefaultRemarkPlugins: [[remarkSourceLinks, { root: ROOT }]],
          showLastUpdateTime: false,
        },
        blog: false,
        theme: {
          customCss: './src/css/custom.css',
        },
      } satisfies Preset.Options,
    ],
  ],

  themes: [
    '@docusaurus/theme-mermaid',
    [
      '@easyops-cn/docusaurus-search-local',
      {
        hashed: true,
        indexDocs: true,
        docsRouteBasePath: 'chapters',
        docsDir: '../chapters',
        indexBlog: false,
        indexPages: true,
        language: ['en'],
        highlightSearchTermsOnTargetPage: true,
        searchResultLimits: 8,
        explicitSearchResultPath: true,
        // The source pages would crowd the chapters out of the results.
        ignoreFiles: [/^source\//],
      },
    ],
  ],

  plugins: [chapterListPlugin, [sourcePages, { root: ROOT }]],

  themeConfig: {
    colorMode: {
      defaultMode: 'light',
      respectPrefersColorScheme: true,
    },
    navbar: {
      title: 'WebSocket from scratch',
      logo: { alt: 'WebSocket from scratch', src: 'img/logo.svg' },
      items: [
        { type: 'docSidebar', sidebarId: 'chapters', position: 'left', label: 'Chapters' },
        { to: '/frame-lab', label: 'Frame lab', position: 'left' },
        { href: 'pathname:///api/index.html', label: 'API reference', position: 'left' },
        { to: '/teachers-guide', label: "Teacher's guide", position: 'left' },
      ],
    },
    footer: {
      style: 'dark',
      links: [
        {
          title: 'The book',
          items: [
            { label: 'Start here', to: '/' },
            { label: 'Frame lab', to: '/frame-lab' },
            { label: 'API reference', href: 'pathname:///api/index.html' },
            { label: "Teacher's guide", to: '/teachers-guide' },
          ],
        },
        {
          title: 'The specifications',
          items: [
            { label: 'RFC 6455: The WebSocket Protocol', href: 'https://www.rfc-editor.org/rfc/rfc6455' },
            { label: 'RFC 9110: HTTP Semantics', href: 'https://www.rfc-editor.org/rfc/rfc9110' },
            { label: 'RFC 9112: HTTP/1.1', href: 'https://www.rfc-editor.org/rfc/rfc9112' },
          ],
        },
      ],
      copyright: 'WebSocket from scratch. MIT licensed.',
    },
    prism: {
      theme: prismThemes.github,
      darkTheme: prismThemes.dracula,
      additionalLanguages: ['bash', 'diff', 'http', 'json'],
    },
    mermaid: {
      theme: { light: 'neutral', dark: 'dark' },
    },
    tableOfContents: { minHeadingLevel: 2, maxHeadingLevel: 3 },
  } satisfies Preset.ThemeConfig,
};

export default config;
