/**
 * The demo's frame log (server/demo/frame-log.ts) reads the same chunks the connection reads, and
 * the connection unmasks them in place: the log must keep copies of its own. The socket's chunks
 * are Node Buffers, whose slice() is a view, so the test feeds Buffers and unmasks the first one
 * in place before the second arrives, as the connection does.
 */
import { describe, expect, it } from 'vitest';
import { FrameLog, type LogNote, type LoggedFrame } from '../../server/demo/frame-log.ts';
import { clientFrame } from '../../tools/wire/index.ts';

describe('the frame log keeps its own copy of what the connection unmasks in place', () => {
  it('a masked text frame split across two Buffers shows its text, though the first was unmasked meanwhile', () => {
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    const wire = Buffer.from(clientFrame({ opcode: 0x1, payload: new TextEncoder().encode('Hello, frames'), mask: key }));
    const [first, second] = [wire.subarray(0, 10), wire.subarray(10)];
    const entries: (LoggedFrame | LogNote)[] = [];
    const log = new FrameLog((entry) => entries.push(entry));
    log.push('in', first);
    // What the connection does with the first chunk's payload bytes (after the 6-byte header).
    for (let i = 6; i < first.length; i++) first[i]! ^= key[(i - 6) % 4]!;
    log.push('in', second);
    expect(entries.map((entry) => ('preview' in entry ? entry.preview : entry.note))).toEqual(['Hello, frames']);
  });
});
