/**
 * The permessage-deflate settings of the compressed scenarios (RFC 7692), the same for every
 * server, so that the comparison is of implementations, not of settings. The runner switches them
 * on by setting {@link DEFLATE_ENV} in a compressed scenario's server processes; the servers read
 * it when they start. No imports: the servers are compiled with this file inside them.
 *
 * The settings:
 * - threshold 0: every message is compressed, however short (the reference defaults to 1024 bytes,
 *   which would leave a few-hundred-byte JSON message uncompressed and measure nothing; ws applies
 *   its threshold only without context takeover, so with takeover it compresses everything anyway);
 * - zlib level 1 and memory level 8: the reference's defaults. ws would take zlib's own level
 *   (6, slower for little gain on short text), so it is given level 1 too;
 * - 15-bit windows and context takeover on the server's side: both servers' defaults. The client
 *   offers `client_no_context_takeover` (see deflate-load.ts), which each server may accept.
 */

/** Set (to 1) in a server process that is to negotiate permessage-deflate. */
export const DEFLATE_ENV = 'BENCH_PERMESSAGE_DEFLATE';

const THRESHOLD = 0;
const LEVEL = 1;
const MEM_LEVEL = 8;

function deflateOn(): boolean {
  return process.env[DEFLATE_ENV] === '1';
}

/** The reference's serve() options: `perMessageDeflate` when the runner asked for it. */
export function referenceDeflate(): { perMessageDeflate?: { threshold: number; level: number; memLevel: number } } {
  return deflateOn() ? { perMessageDeflate: { threshold: THRESHOLD, level: LEVEL, memLevel: MEM_LEVEL } } : {};
}

/** ws's `perMessageDeflate` option: the same settings, or false. */
export function wsDeflate(): false | { threshold: number; zlibDeflateOptions: { level: number; memLevel: number } } {
  return deflateOn() ? { threshold: THRESHOLD, zlibDeflateOptions: { level: LEVEL, memLevel: MEM_LEVEL } } : false;
}
