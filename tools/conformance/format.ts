/** Small formatting helpers for reasons and transcripts: hex previews and escaped text. */
import type { TranscriptEntry } from './client.ts';

/** `81 85 37 fa …` for the first `max` bytes, with the count of the rest. */
export function shortHex(data: Uint8Array, max = 24): string {
  const shown = Buffer.from(data.subarray(0, max)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return data.length > max ? `${shown} … (+${data.length - max})` : shown;
}

/** Printable ASCII as is, everything else as `\r`, `\n` or `\xNN`. */
export function escape(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[^\x20-\x7e]/g, (ch) => {
    if (ch === '\r') return '\\r';
    if (ch === '\n') return '\\n';
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One transcript entry as a line: `> 81 85 …  (11 bytes)`, `< HTTP/1.1 101 …`, `< TCP closed`. */
export function formatEntry(entry: TranscriptEntry): string {
  if (entry.kind === 'tcp-closed') return `${entry.direction} TCP closed`;
  if (entry.kind === 'http') {
    const firstLine = Buffer.from(entry.preview).toString('latin1').split('\r\n')[0] ?? '';
    return `${entry.direction} ${escape(firstLine)} … (${entry.length} bytes of HTTP)`;
  }
  const body = Buffer.from(entry.preview).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  const more = entry.length > entry.preview.length ? ` … (${entry.length} bytes)` : '';
  return `${entry.direction} ${body}${more}`;
}

/**
 * The tail of a transcript, at most `maxLines` lines. Consecutive writes of a piecewise send are
 * merged into one line so a byte-at-a-time handshake does not fill the screen.
 */
export function formatTranscript(entries: readonly TranscriptEntry[], maxLines = 10): string[] {
  const merged: TranscriptEntry[] = [];
  for (const entry of entries) {
    const last = merged.at(-1);
    if (last && entry.direction === '>' && last.direction === '>' && entry.kind === last.kind && last.length < 48 && entry.length <= 4) {
      const preview = Buffer.concat([last.preview, entry.preview]).subarray(0, 48);
      merged[merged.length - 1] = { ...last, preview, length: last.length + entry.length };
    } else {
      merged.push(entry);
    }
  }
  const lines = merged.map(formatEntry);
  return lines.length > maxLines ? [`… ${lines.length - maxLines} earlier lines`, ...lines.slice(-maxLines)] : lines;
}
