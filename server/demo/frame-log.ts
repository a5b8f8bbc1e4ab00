/**
 * The demo's frame log: the frames one connection reads and writes, described field by field.
 *
 * A browser's WebSocket hides its frames: a page sees messages, never FIN bits or masking keys. The
 * server sees the bytes, though, so the socket glue lets an observer watch a connection's chunks
 * (`observe`), and this module decodes a copy of them with chapter 05's own frame header decoder,
 * one stream per direction. The log starts at the first chunk after the 101 (browsers send nothing
 * before they have it). It only describes: it never refuses a frame (the connection does that).
 */
import type { FrameHeader } from '../../core/frame.ts';
import { Opcode, opcodeName } from '../../core/frame.ts';
import { ByteQueue, applyMask, decodeFrameHeader } from '../wiring/layers.ts';
import type { Direction } from '../wiring/socket-connection.ts';

/** One frame, as the demo page shows it. */
export interface LoggedFrame {
  /** `in`: sent by the client; `out`: sent by the server. */
  readonly direction: Direction;
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly opcode: number;
  /** `text`, `binary`, `continuation`, `close`, `ping`, `pong`. */
  readonly opcodeName: string;
  readonly payloadLength: number;
  readonly masked: boolean;
  /** The masking key in hex, e.g. `37 fa 21 3d`, or null. */
  readonly maskingKey: string | null;
  /** The start of the payload, unmasked: text for text and close frames, hex otherwise. */
  readonly preview: string;
  /** A close frame's status code, when it has one. */
  readonly closeCode?: number;
}

/** What the log says when it cannot go on (chapter 05 not written yet, or bytes it cannot read). */
export interface LogNote {
  readonly direction: Direction;
  readonly note: string;
}

/** How many payload bytes a preview shows. */
const PREVIEW_BYTES = 48;


/** Decodes the frames of one direction of one connection. */
class FrameStream {
  private readonly queue = new ByteQueue();
  private header: FrameHeader | null = null;
  private remaining = 0;
  private preview: Uint8Array[] = [];
  private previewLength = 0;
  private stopped = false;

  constructor(
    private readonly direction: Direction,
    private readonly report: (entry: LoggedFrame | LogNote) => void,
  ) {}

  push(bytes: Uint8Array): void {
    if (this.stopped) return;
    // A copy: the connection unmasks its chunks in place, and this log must not race it. (Not
    // bytes.slice(): on a Node Buffer, which the socket's bytes are, slice() is a view.)
    this.queue.push(new Uint8Array(bytes));
    try {
      while (this.step());
    } catch (error) {
      this.stopped = true;
      // Until chapter 05 is written, its stand-in's message names what to implement.
      this.report({ direction: this.direction, note: `stopped: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  /** Reads a header or payload bytes; false when it needs more bytes. */
  private step(): boolean {
    if (this.header === null) {
      const header = decodeFrameHeader(this.queue, {
        requireMask: false,
        maxPayloadLength: Number.MAX_SAFE_INTEGER,
        allowedRsv: { rsv1: true },
      });
      if (header === null) return false;
      this.queue.consume(header.headerLength);
      this.header = header;
      this.remaining = header.payloadLength;
    }
    const take = Math.min(this.remaining, this.queue.length);
    const bytes = this.queue.consume(take);
    this.remaining -= take;
    if (this.previewLength < PREVIEW_BYTES) {
      const kept = bytes.subarray(0, PREVIEW_BYTES - this.previewLength);
      this.preview.push(kept);
      this.previewLength += kept.length;
    }
    if (this.remaining > 0) return false;
    this.report(this.describe(this.header));
    this.header = null;
    this.preview = [];
    this.previewLength = 0;
    return this.queue.length > 0;
  }

  private describe(header: FrameHeader): LoggedFrame {
    const payload = new Uint8Array(this.previewLength);
    let at = 0;
    for (const piece of this.preview) {
      payload.set(piece, at);
      at += piece.length;
    }
    if (header.maskingKey !== null) applyMask(payload, header.maskingKey);
    const isClose = header.opcode === Opcode.Close && payload.length >= 2;
    const text = header.opcode === Opcode.Text || header.opcode === Opcode.Close;
    const shown = isClose ? payload.subarray(2) : payload;
    const more = header.payloadLength > shown.length + (isClose ? 2 : 0) ? '…' : '';
    return {
      direction: this.direction,
      fin: header.fin,
      rsv1: header.rsv1,
      opcode: header.opcode,
      opcodeName: opcodeName(header.opcode),
      payloadLength: header.payloadLength,
      masked: header.masked,
      maskingKey: header.maskingKey === null ? null : hex(header.maskingKey),
      preview: (text ? new TextDecoder().decode(shown) : hex(shown)) + more,
      ...(isClose ? { closeCode: (payload[0]! << 8) | payload[1]! } : {}),
    };
  }
}

/** Frames in both directions of one connection, reported one by one as they complete. */
export class FrameLog {
  private readonly streams: Record<Direction, FrameStream>;

  constructor(report: (entry: LoggedFrame | LogNote) => void) {
    this.streams = { in: new FrameStream('in', report), out: new FrameStream('out', report) };
  }

  /** A chunk read (`in`) or written (`out`): the socket glue's `observe` callback. */
  readonly push = (direction: Direction, bytes: Uint8Array): void => {
    this.streams[direction].push(bytes);
  };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}
