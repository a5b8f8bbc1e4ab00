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
import { ProtocolError, todo } from '../../core/errors.ts';
import type { DeflateOptions, DeflateParameters } from './negotiate.ts';
import { MAX_WINDOW_BITS } from './negotiate.ts';

/** Messages shorter than this are sent uncompressed by default (a frame header costs 2–14 bytes). */
export const DEFAULT_THRESHOLD = 1024;
/** zlib level 1: most of the gain on text, for the least CPU. */
export const DEFAULT_LEVEL = 1;
/** zlib's own default memory level. */
export const DEFAULT_MEM_LEVEL = 8;

/** One connection's compressor and decompressor, as agreed in the handshake. */
export class MessageDeflate {
  /** Messages of at least this many bytes are compressed. */
  readonly threshold: number;

  constructor(
    readonly agreed: DeflateParameters,
    options: DeflateOptions = {},
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
  }

  /** Bytes this connection holds between messages for its two windows. */
  get windowBytes(): number {
    // TODO (see the chapter's README)
    return todo('chapters/13-compression/message-deflate.ts', 'MessageDeflate.windowBytes: the two kept windows\' lengths');
  }

  /**
   * The payload of a compressed message carrying `text`: raw DEFLATE with a sync flush, its
   * trailing `00 00 ff ff` removed (RFC 7692 §7.2.1). Keeps the window unless
   * `server_no_context_takeover` was agreed.
   */
  compress(text: Uint8Array): Uint8Array {
    // TODO (see the chapter's README)
    return todo('chapters/13-compression/message-deflate.ts', 'MessageDeflate.compress: deflateRawSync with a sync flush and the kept window as dictionary, drop the 4-byte tail, slide the window');
  }

  /**
   * The text of a compressed message whose payload (every frame's, joined) is `payload`: the tail
   * put back, then inflated (RFC 7692 §7.2.2). Throws {@link ProtocolError} 1009 as soon as the
   * text grows past `maxLength` bytes, 1007 for data that is not DEFLATE.
   */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array {
    // TODO (see the chapter's README)
    return todo('chapters/13-compression/message-deflate.ts', 'MessageDeflate.decompress: append 00 00 ff ff, inflateRawSync with the window as dictionary and maxOutputLength, map errors to 1009/1007, slide the window');
  }
}
