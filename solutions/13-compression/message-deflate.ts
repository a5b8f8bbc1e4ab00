/**
 * Chapter 13: one connection's message compression (RFC 7692 §7.2), with node:zlib.
 *
 * A compressed message is raw DEFLATE (RFC 1951) ended by a sync flush, whose last four bytes
 * `00 00 ff ff` (an empty stored block) are cut off before sending and put back before inflating
 * (§7.2.1, §7.2.2). With context takeover, each message may point back into the text of the
 * messages before it: the compressor's LZ77 window carries over.
 *
 * The strategy, and why:
 *
 * - **Synchronous calls.** zlib's one-shot calls run on the event loop, so a message is inflated or
 *   deflated before the next frame is even read: messages leave in the order they were sent, a close
 *   frame cannot overtake compressed data, and chapter 09's backpressure sees the bytes the moment
 *   they are written. The cost is event-loop time, bounded by the message limit (the README has
 *   the figures).
 * - **The window is kept as bytes, not as a zlib context.** Context takeover needs only what the
 *   other side may point back to: the last 2^windowBits bytes of text. Passed to zlib as a preset
 *   dictionary, they are exactly the window a long-lived stream would hold, so an idle connection
 *   holds at most 32 KiB per direction (none without context takeover) instead of two zlib
 *   contexts of some 300 KiB. The price is a dictionary load per compressed message.
 * - **The limit is checked while inflating.** zlib stops at `maxOutputLength`, so a small frame
 *   that would inflate to gigabytes (a "zip bomb") fails with 1009 after the limit, not after the
 *   memory is gone.
 * - **Corrupt data is 1007.** The frames are well-formed; it is their payload that is not what the
 *   message claims to be, which is what RFC 6455 §7.4.1 gives 1007 for (as for invalid UTF-8).
 */
import zlib from 'node:zlib';
import { CloseCode } from '../../core/close-code.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { DeflateOptions, DeflateParameters } from './negotiate.ts';
import { MAX_WINDOW_BITS } from './negotiate.ts';

/** Messages shorter than this are sent uncompressed by default (a frame header costs 2–14 bytes). */
export const DEFAULT_THRESHOLD = 1024;
/** zlib level 1: most of the gain on text, for the least CPU. */
export const DEFAULT_LEVEL = 1;
/** zlib's own default memory level. */
export const DEFAULT_MEM_LEVEL = 8;

// @remove
/** The empty stored block a sync flush ends with (RFC 7692 §7.2.1). */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const EMPTY = new Uint8Array(0);
// @end

/** One connection's compressor and decompressor, as agreed in the handshake. */
export class MessageDeflate {
  /** Messages of at least this many bytes are compressed. */
  readonly threshold: number;
  // @remove
  private readonly level: number;
  private readonly memLevel: number;
  private readonly serverWindowBits: number;
  /** The last bytes of text we compressed: the peer's window (empty without context takeover). */
  private sent: Uint8Array = EMPTY;
  /** The last bytes of text we inflated: our window of the peer's messages. */
  private received: Uint8Array = EMPTY;
  // @end

  constructor(
    readonly agreed: DeflateParameters,
    options: DeflateOptions = {},
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    // @remove
    this.level = options.level ?? DEFAULT_LEVEL;
    this.memLevel = options.memLevel ?? DEFAULT_MEM_LEVEL;
    this.serverWindowBits = agreed.serverMaxWindowBits ?? MAX_WINDOW_BITS;
    // @end
  }

  /** Bytes this connection holds between messages for its two windows. */
  get windowBytes(): number {
    // @solution MessageDeflate.windowBytes: the two kept windows' lengths
    return this.sent.length + this.received.length;
    // @end
  }

  /**
   * The payload of a compressed message carrying `text`: raw DEFLATE with a sync flush, its
   * trailing `00 00 ff ff` removed (RFC 7692 §7.2.1). Keeps the window unless
   * `server_no_context_takeover` was agreed.
   */
  compress(text: Uint8Array): Uint8Array {
    // @solution MessageDeflate.compress: deflateRawSync with a sync flush and the kept window as dictionary, drop the 4-byte tail, slide the window
    const options: zlib.ZlibOptions = {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      level: this.level,
      memLevel: this.memLevel,
      windowBits: this.serverWindowBits,
    };
    if (this.sent.length > 0) options.dictionary = this.sent;
    const deflated = zlib.deflateRawSync(text, options);
    if (!this.agreed.serverNoContextTakeover) this.sent = slide(this.sent, text, 1 << this.serverWindowBits);
    // A sync flush always ends with the empty stored block; §7.2.1 says to remove it.
    return deflated.subarray(0, deflated.length - TAIL.length);
    // @end
  }

  /**
   * The text of a compressed message whose payload (every frame's, joined) is `payload`: the tail
   * put back, then inflated (RFC 7692 §7.2.2). Throws {@link ProtocolError} 1009 as soon as the
   * text grows past `maxLength` bytes, 1007 for data that is not DEFLATE.
   */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array {
    // @solution MessageDeflate.decompress: append 00 00 ff ff, inflateRawSync with the window as dictionary and maxOutputLength, map errors to 1009/1007, slide the window
    const input = new Uint8Array(payload.length + TAIL.length);
    input.set(payload, 0);
    input.set(TAIL, payload.length);
    const options: zlib.ZlibOptions = {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      windowBits: MAX_WINDOW_BITS,
      // zlib refuses a limit of 0; an empty message inflates to nothing anyway.
      maxOutputLength: Math.max(maxLength, 1),
    };
    if (this.received.length > 0) options.dictionary = this.received;
    let text: Uint8Array;
    try {
      text = zlib.inflateRawSync(input, options);
    } catch (error) {
      throw inflateError(error, payload.length, maxLength);
    }
    if (text.length > maxLength) throw tooBig(payload.length, maxLength);
    if (!this.agreed.clientNoContextTakeover) {
      this.received = slide(this.received, text, 1 << (this.agreed.clientMaxWindowBits ?? MAX_WINDOW_BITS));
    }
    return text;
    // @end
  }
}

// @remove
/** The last `size` bytes of `window` followed by `text`, copied (the text may be a socket's buffer). */
function slide(window: Uint8Array, text: Uint8Array, size: number): Uint8Array {
  if (text.length >= size) return text.slice(text.length - size);
  const kept = Math.min(window.length, size - text.length);
  const next = new Uint8Array(kept + text.length);
  next.set(window.subarray(window.length - kept), 0);
  next.set(text, kept);
  return next;
}

function inflateError(error: unknown, compressed: number, maxLength: number): ProtocolError {
  if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return tooBig(compressed, maxLength);
  const why = error instanceof Error ? error.message : String(error);
  return new ProtocolError(
    `a compressed message of ${compressed} bytes is not valid DEFLATE data (${why}): ` +
      `its payload is not what RSV1 says it is (RFC 7692 §6.2; 1007, RFC 6455 §7.4.1)`,
    CloseCode.InvalidPayload,
  );
}

function tooBig(compressed: number, maxLength: number): ProtocolError {
  return new ProtocolError(
    `a compressed message of ${compressed} bytes inflates past this server's limit of ${maxLength} bytes ` +
      `(checked while inflating; RFC 6455 §7.4.1, 1009 "message too big")`,
    CloseCode.MessageTooBig,
  );
}
// @end
