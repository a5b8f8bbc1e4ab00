/**
 * The record of one connection: every byte sent and received, and what the reads made of it.
 *
 * Bytes go into two append-only recordings that grow by doubling (recording a 16 MiB echo stays
 * linear), and each write, each HTTP head or frame read and the TCP close becomes an event that
 * points into them. Two views come from the same record:
 *
 * - {@link Transcript.format}, for a test's failure message: everything sent, then everything
 *   received, HTTP escaped and frames annotated line by line;
 * - {@link Transcript.lines}, for a conformance report: one short line per event in the order they
 *   happened (`> 81 85 …`, `< HTTP/1.1 101 …`, `< TCP closed`), the last few only.
 */
import { latin1 } from './bytes.ts';
import { describeFrames } from './describe.ts';
import { escaped, hex } from './dump.ts';
import { findHeadEnd } from './handshake.ts';

/** An append-only byte buffer that grows by doubling. */
export class Recording {
  private buffer = new Uint8Array(1024);
  private size = 0;

  append(bytes: Uint8Array): void {
    if (this.size + bytes.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.size + bytes.length));
      grown.set(this.buffer.subarray(0, this.size));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.size);
    this.size += bytes.length;
  }

  /** Everything recorded so far (a view: valid until the next append). */
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.size);
  }

  get length(): number {
    return this.size;
  }
}

/** One thing that happened: `>` client to server, `<` server to client. */
export interface TranscriptEvent {
  direction: '>' | '<';
  kind: 'http' | 'bytes' | 'frame' | 'tcp-closed';
  /** Where its bytes start in the sent (`>`) or received (`<`) recording, and how many. */
  start: number;
  length: number;
}

/** How many bytes of an event a short line shows. */
const LINE_BYTES = 48;
const CR = 0x0d;
const LF = 0x0a;

/** Splits bytes into an HTTP head (+ Content-Length body) and what follows. */
function splitHttp(bytes: Uint8Array, startsWith: RegExp): [Uint8Array, Uint8Array] {
  if (!startsWith.test(latin1(bytes.subarray(0, 16)))) return [new Uint8Array(0), bytes];
  const end = findHeadEnd(bytes);
  if (end < 0) return [bytes, new Uint8Array(0)];
  const head = latin1(bytes.subarray(0, end));
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  const bodyEnd = Math.min(bytes.length, end + length);
  return [bytes.subarray(0, bodyEnd), bytes.subarray(bodyEnd)];
}

const indent = (lines: string[]): string[] => lines.map((line) => `  ${line}`);
/** Escaped HTTP, one line per LF. */
const httpLines = (bytes: Uint8Array): string[] => indent(escaped(bytes, 4096).split(/(?<=\\n)/));
const frameLines = (bytes: Uint8Array): string[] => indent(describeFrames(bytes).split('\n'));
const isPrintable = (bytes: Uint8Array): boolean => bytes.every((b) => b === CR || b === LF || (b >= 0x20 && b < 0x7f));

export class Transcript {
  readonly sent = new Recording();
  readonly received = new Recording();
  readonly events: TranscriptEvent[] = [];
  /** Remarks such as a failed write, shown after what was received. */
  readonly notes: string[] = [];
  /** How the TCP connection ended, once it did. */
  closeNote = '';

  /** Records a write; a first write that starts with a request line counts as HTTP. */
  recordSent(bytes: Uint8Array): void {
    const http = this.sent.length === 0 && /^[A-Z]+ \S/.test(latin1(bytes.subarray(0, 16)));
    this.events.push({ direction: '>', kind: http ? 'http' : 'bytes', start: this.sent.length, length: bytes.length });
    this.sent.append(bytes);
  }

  /** Notes that a read took `length` received bytes from `start` as an HTTP response or a frame. */
  recordRead(kind: 'http' | 'frame', start: number, length: number): void {
    this.events.push({ direction: '<', kind, start, length });
  }

  /** Notes the end of the TCP connection; the first note wins (a reset is followed by a close). */
  recordClosed(note: string): void {
    if (this.closeNote) return;
    this.closeNote = note;
    this.events.push({ direction: '<', kind: 'tcp-closed', start: this.received.length, length: 0 });
  }

  /** Everything sent, then everything received: HTTP escaped, frames annotated. */
  format(): string {
    const sent = this.sent.bytes;
    const received = this.received.bytes;
    const lines = ['sent:'];
    const [request, frames] = splitHttp(sent, /^[A-Z]+ /);
    if (request.length > 0) lines.push(...httpLines(request));
    if (frames.length > 0) lines.push(...(request.length === 0 && isPrintable(frames) ? httpLines(frames) : frameLines(frames)));
    if (sent.length === 0) lines.push('  (nothing)');
    lines.push('received:');
    const [response, rest] = splitHttp(received, /^HTTP\//);
    if (response.length > 0) lines.push(...httpLines(response));
    if (rest.length > 0) lines.push(...frameLines(rest));
    if (received.length === 0) lines.push('  (nothing)');
    lines.push(...indent(this.notes));
    if (this.closeNote) lines.push(`  ${this.closeNote}`);
    return lines.join('\n');
  }

  /**
   * The last `maxLines` events, a short line each. Consecutive small writes (a head or frame sent a
   * few bytes at a time) are merged into one line so they do not fill the screen.
   */
  lines(maxLines = 10): string[] {
    const merged: TranscriptEvent[] = [];
    for (const event of this.events) {
      const last = merged.at(-1);
      const continues = last?.direction === '>' && event.direction === '>' && event.kind === last.kind;
      if (last && continues && last.length < LINE_BYTES && event.length <= 4) {
        merged[merged.length - 1] = { ...last, length: last.length + event.length };
      } else {
        merged.push(event);
      }
    }
    const lines = merged.map((event) => this.line(event));
    return lines.length > maxLines ? [`… ${lines.length - maxLines} earlier lines`, ...lines.slice(-maxLines)] : lines;
  }

  /** `> 81 85 37 fa … (11 bytes)`, `< HTTP/1.1 101 Switching Protocols … (129 bytes of HTTP)`, `< TCP closed`. */
  private line(event: TranscriptEvent): string {
    if (event.kind === 'tcp-closed') return `${event.direction} TCP closed`;
    const recording = event.direction === '>' ? this.sent : this.received;
    const preview = recording.bytes.subarray(event.start, event.start + Math.min(event.length, LINE_BYTES));
    if (event.kind === 'http') {
      const lineEnd = preview.indexOf(CR);
      const firstLine = lineEnd < 0 ? preview : preview.subarray(0, lineEnd);
      return `${event.direction} ${escaped(firstLine, 60)} … (${event.length} bytes of HTTP)`;
    }
    const more = event.length > preview.length ? ` … (${event.length} bytes)` : '';
    return `${event.direction} ${hex(preview, LINE_BYTES)}${more}`;
  }
}
