/**
 * Hints, one more each time: `hint N` shows the next of chapter N's graded hints (nudge, pointer to
 * the RFC section, near-answer) and remembers how many were shown; `--all` shows those again.
 */
import { readHints, type Chapter, type Hint } from './chapters.ts';
import { indent, type Colors } from './format.ts';
import { readState, writeState } from './state.ts';

/**
 * Light terminal rendering of a hint's markdown: code spans and bold, fenced code dimmed. Inline
 * markup is matched over whole runs of prose, not line by line, so a code span that the README
 * wraps onto the next line still renders as one.
 */
export function renderMarkdown(text: string, c: Colors): string {
  const out: string[] = [];
  let prose: string[] = [];
  const flushProse = (): void => {
    if (prose.length === 0) return;
    out.push(
      prose
        .join('\n')
        .replace(/\*\*([^*]+)\*\*/g, (_, bold: string) => c.bold(bold))
        .replace(/`([^`]+)`/g, (_, code: string) => c.cyan(code))
        .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, label: string, href: string) => `${label} (${href})`),
    );
    prose = [];
  };
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) {
      flushProse();
      fenced = !fenced;
      continue;
    }
    if (fenced) out.push(c.cyan(`    ${line}`));
    else prose.push(line);
  }
  flushProse();
  return out.join('\n');
}

function formatHint(hint: Hint, index: number, total: number, c: Colors): string {
  const summary = hint.summary.replace(/^Hint\s+\d+\s*[—–-]\s*/i, '');
  return `${c.bold(c.yellow(`hint ${index + 1} of ${total}`))} ${c.bold(`— ${summary}`)}\n\n${indent(renderMarkdown(hint.body, c))}`;
}

/** Shows the next hint of the chapter and records it; once all are shown, the last one again. */
export function nextHint(root: string, chapter: Chapter, c: Colors): string {
  const hints = readHints(root, chapter);
  const heading = c.dim(`Chapter ${chapter.number} · ${chapter.title}`);
  if (hints.length === 0) return `${heading}\nThis chapter has no hints yet.`;
  const state = readState(root);
  const shown = Math.min(state.hints[chapter.number] ?? 0, hints.length);
  const out = [heading];
  if (shown >= hints.length) {
    out.push(c.dim(`All ${hints.length} hints are shown already; here is the last one again.`), '');
    out.push(formatHint(hints[hints.length - 1]!, hints.length - 1, hints.length, c));
  } else {
    out.push(formatHint(hints[shown]!, shown, hints.length, c));
    state.hints[chapter.number] = shown + 1;
    writeState(root, state);
  }
  out.push('');
  const left = hints.length - Math.min(shown + 1, hints.length);
  out.push(
    left > 0
      ? c.dim(`${left} more: npm start -- hint ${chapter.number}    all shown so far: npm start -- hint ${chapter.number} --all`)
      : c.dim(`That was the last hint. The reference: npm start -- solution ${chapter.number} --force`),
  );
  return out.join('\n');
}

/** Shows every hint of the chapter shown so far (at least the first). */
export function shownHints(root: string, chapter: Chapter, c: Colors): string {
  const hints = readHints(root, chapter);
  const heading = c.dim(`Chapter ${chapter.number} · ${chapter.title}`);
  if (hints.length === 0) return `${heading}\nThis chapter has no hints yet.`;
  const shown = Math.min(readState(root).hints[chapter.number] ?? 0, hints.length);
  if (shown === 0) return `${heading}\nNo hint shown yet. The first: npm start -- hint ${chapter.number}`;
  const out = [heading];
  for (let i = 0; i < shown; i++) out.push(formatHint(hints[i]!, i, hints.length, c), '');
  if (shown < hints.length) out.push(c.dim(`${hints.length - shown} more: npm start -- hint ${chapter.number}`));
  return out.join('\n').replace(/\n+$/, '');
}
