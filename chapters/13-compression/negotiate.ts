/**
 * Chapter 13: negotiating permessage-deflate (RFC 7692 §5, §7.1) in the opening handshake.
 *
 * A client lists the extensions it would like in `Sec-WebSocket-Extensions` (RFC 6455 §9.1), in
 * order of preference, each with parameters; the same extension may be offered several times with
 * different parameters, as fallbacks. The server takes the first offer it can honour and answers
 * with exactly the parameters it agrees to, or leaves the header out: then no extension is in use
 * and the handshake goes on as before (RFC 6455 §4.2.2 step 4, /extensions/). A bad offer never
 * fails the handshake, it is just not taken.
 *
 * The work is in three pure steps, each testable with strings:
 *
 * 1. {@link parseExtensionOffers}: the header's grammar (tokens, `;`, `=`, quoted strings);
 * 2. {@link negotiateDeflate}: the first permessage-deflate offer whose parameters are valid and
 *    acceptable, against the server's own {@link DeflateOptions};
 * 3. {@link formatDeflateResponse}: the agreed parameters as the response's header value.
 */
import { todo } from '../../core/errors.ts';


/** One extension the client offered: its name and parameters, in order (a parameter may have no value). */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: ReadonlyArray<readonly [name: string, value: string | null]>;
}

/** The server's own choices for permessage-deflate. Every one has a default. */
export interface DeflateOptions {
  /** Reset our compressor after every message (default false: the window is kept, better ratio). */
  readonly serverNoContextTakeover?: boolean;
  /** Ask the client to reset its compressor after every message (default false). */
  readonly clientNoContextTakeover?: boolean;
  /** Our compressor's LZ77 window, 9–15 bits (default 15, 32 KiB). */
  readonly serverMaxWindowBits?: number;
  /** The window we ask the client to use, 8–15 bits, when it lets us choose (default 15). */
  readonly clientMaxWindowBits?: number;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024). */
  readonly threshold?: number;
  /** zlib's compression level, 0–9 (default 1, the fastest that compresses). */
  readonly level?: number;
  /** zlib's memory level, 1–9 (default 8): lower is less memory per compression, a worse ratio. */
  readonly memLevel?: number;
}

/**
 * What both sides agreed to: exactly the parameters of the response. A window of null is not in
 * the response, and means 15 bits (32 KiB).
 */
export interface DeflateParameters {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  /** The window our compressor uses, 9–15, or null (15). */
  readonly serverMaxWindowBits: number | null;
  /** The most the client's compressor uses, 8–15, or null (15). */
  readonly clientMaxWindowBits: number | null;
}

/** The extension's registered name (RFC 7692 §9.1). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** The LZ77 window limits of RFC 7692 §7.1.2, in bits. */
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;
/**
 * zlib cannot compress raw DEFLATE with a 256-byte window (it quietly uses 512), so our own
 * compressor goes down to 9 bits, and an offer that insists on `server_max_window_bits=8` is not taken.
 */
export const MIN_SERVER_WINDOW_BITS = 9;

/**
 * Parses `Sec-WebSocket-Extensions` values (every occurrence of the field, in order) into offers.
 * RFC 6455 §9.1: `extension-list = 1#extension`, `extension = token *( ";" param )`,
 * `param = token [ "=" ( token / quoted-string ) ]`. Returns [] for a value that breaks that
 * grammar: the server then declines every extension rather than guess.
 */
export function parseExtensionOffers(values: readonly string[]): ExtensionOffer[] {
  // TODO (see the chapter's README)
  return todo('chapters/13-compression/negotiate.ts', 'parseExtensionOffers: split into offers (commas outside quotes), each a token and its ;-separated params, [] on a syntax error');
}

/**
 * The parameters agreed for the first permessage-deflate offer the server can honour, or null to
 * decline the extension. An offer is unusable when a parameter is unknown, repeated, has a value
 * it must not have (or lacks one it needs), or a window size is out of 8–15 (RFC 7692 §7.1).
 */
export function negotiateDeflate(offers: readonly ExtensionOffer[], options: DeflateOptions = {}): DeflateParameters | null {
  // TODO (see the chapter's README)
  return todo('chapters/13-compression/negotiate.ts', 'negotiateDeflate: for each permessage-deflate offer, validate every parameter, then agree (RFC 7692 §7.1.1, §7.1.2); the first that works wins');
}

/** The response's `Sec-WebSocket-Extensions` value: the extension and exactly the parameters agreed. */
export function formatDeflateResponse(agreed: DeflateParameters): string {
  // TODO (see the chapter's README)
  return todo('chapters/13-compression/negotiate.ts', 'formatDeflateResponse: permessage-deflate, then each agreed parameter, separated by "; "');
}
