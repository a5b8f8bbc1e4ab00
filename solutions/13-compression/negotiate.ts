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
  // @solution parseExtensionOffers: split into offers (commas outside quotes), each a token and its ;-separated params, [] on a syntax error
  const offers: ExtensionOffer[] = [];
  for (const value of values) {
    const tokens = tokenize(value);
    if (tokens === null) return [];
    let at = 0;
    const next = (): string | undefined => tokens[at++];
    while (at < tokens.length) {
      const name = next();
      if (name === ',') continue; // empty list elements are allowed (RFC 9110 §5.6.1)
      if (name === undefined || !isToken(name)) return [];
      const params: Array<readonly [string, string | null]> = [];
      let separator = next();
      while (separator === ';') {
        const param = next();
        if (param === undefined || !isToken(param)) return [];
        separator = next();
        if (separator === '=') {
          const raw = next();
          if (raw === undefined || raw === ',' || raw === ';' || raw === '=') return [];
          params.push([param.toLowerCase(), raw.startsWith('"') ? raw.slice(1) : raw]);
          separator = next();
        } else {
          params.push([param.toLowerCase(), null]);
        }
      }
      if (separator !== undefined && separator !== ',') return [];
      offers.push({ name: name.toLowerCase(), params });
    }
  }
  return offers;
  // @end
}

/**
 * The parameters agreed for the first permessage-deflate offer the server can honour, or null to
 * decline the extension. An offer is unusable when a parameter is unknown, repeated, has a value
 * it must not have (or lacks one it needs), or a window size is out of 8–15 (RFC 7692 §7.1).
 */
export function negotiateDeflate(offers: readonly ExtensionOffer[], options: DeflateOptions = {}): DeflateParameters | null {
  // @solution negotiateDeflate: for each permessage-deflate offer, validate every parameter, then agree (RFC 7692 §7.1.1, §7.1.2); the first that works wins
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const agreed = agree(offer, options);
    if (agreed !== null) return agreed;
  }
  return null;
  // @end
}

/** The response's `Sec-WebSocket-Extensions` value: the extension and exactly the parameters agreed. */
export function formatDeflateResponse(agreed: DeflateParameters): string {
  // @solution formatDeflateResponse: permessage-deflate, then each agreed parameter, separated by "; "
  const parts = [PERMESSAGE_DEFLATE];
  if (agreed.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (agreed.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (agreed.serverMaxWindowBits !== null) parts.push(`server_max_window_bits=${agreed.serverMaxWindowBits}`);
  if (agreed.clientMaxWindowBits !== null) parts.push(`client_max_window_bits=${agreed.clientMaxWindowBits}`);
  return parts.join('; ');
  // @end
}

// @remove
/** What one offer asked for, once its parameters are known to be well-formed. */
interface Asked {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** The largest window the client will inflate (undefined: not limited). */
  serverMaxWindowBits: number | undefined;
  /** undefined: not offered, so we may not answer it; null: offered without a value. */
  clientMaxWindowBits: number | null | undefined;
}

/** The agreement for one offer, or null when the offer is malformed or asks what we cannot do. */
function agree(offer: ExtensionOffer, options: DeflateOptions): DeflateParameters | null {
  const asked = readOffer(offer);
  if (asked === null) return null;
  // RFC 7692 §7.1.2.1: when the client limits our window, the response says the window we use,
  // no larger; we may announce a smaller one unasked. zlib goes down to 9 bits.
  const ours = options.serverMaxWindowBits ?? MAX_WINDOW_BITS;
  const server = Math.min(ours, asked.serverMaxWindowBits ?? MAX_WINDOW_BITS);
  if (server < MIN_SERVER_WINDOW_BITS) return null;
  const serverMaxWindowBits = asked.serverMaxWindowBits !== undefined || server < MAX_WINDOW_BITS ? server : null;
  // RFC 7692 §7.1.2.2: the client's window may be limited only if it offered the parameter; a
  // value it sent is the most it will use, so we answer with the smaller of it and ours.
  const wanted = options.clientMaxWindowBits ?? MAX_WINDOW_BITS;
  let clientMaxWindowBits: number | null = null;
  if (typeof asked.clientMaxWindowBits === 'number') clientMaxWindowBits = Math.min(wanted, asked.clientMaxWindowBits);
  else if (asked.clientMaxWindowBits === null && wanted < MAX_WINDOW_BITS) clientMaxWindowBits = wanted;
  return {
    // RFC 7692 §7.1.1.1: a client that asks us to reset gets it; we may also choose to.
    serverNoContextTakeover: asked.serverNoContextTakeover || options.serverNoContextTakeover === true,
    // RFC 7692 §7.1.1.2: we may ask the client to reset even if it did not offer to; when it did
    // offer, we say yes, and our decompressor need not keep its window either.
    clientNoContextTakeover: asked.clientNoContextTakeover || options.clientNoContextTakeover === true,
    serverMaxWindowBits,
    clientMaxWindowBits,
  };
}

/** The offer's parameters, or null when one is unknown, repeated or has a bad value (RFC 7692 §7.1). */
function readOffer(offer: ExtensionOffer): Asked | null {
  const asked: Asked = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of offer.params) {
    // RFC 7692 §7.1: an offer with the same parameter twice is declined.
    if (seen.has(name)) return null;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        // RFC 7692 §7.1.1.1, RFC 7692 §7.1.1.2: these carry no value.
        if (value !== null) return null;
        if (name === 'server_no_context_takeover') asked.serverNoContextTakeover = true;
        else asked.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        // RFC 7692 §7.1.2.1: a value is required.
        const bits = windowBits(value);
        if (bits === null) return null;
        asked.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        // RFC 7692 §7.1.2.2: the value is optional ("I can limit my window; choose").
        if (value === null) {
          asked.clientMaxWindowBits = null;
          break;
        }
        const bits = windowBits(value);
        if (bits === null) return null;
        asked.clientMaxWindowBits = bits;
        break;
      }
      default:
        // §7.1: an unknown parameter makes the offer unusable.
        return null;
    }
  }
  return asked;
}

/** A window size: a decimal integer 8–15 without leading zeros (RFC 7692 §7.1.2.1), or null. */
function windowBits(value: string | null): number | null {
  if (value === null || !/^[1-9][0-9]*$/.test(value)) return null;
  const bits = Number(value);
  return bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS ? bits : null;
}

/** RFC 9110 §5.6.2: tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * The header value as tokens and the separators `,` `;` `=`; a quoted string becomes `"` followed
 * by its unescaped text (RFC 9110 §5.6.4). Null on a character that belongs nowhere or an
 * unterminated quote.
 */
function tokenize(value: string): string[] | null {
  const tokens: string[] = [];
  let at = 0;
  while (at < value.length) {
    const char = value[at]!;
    if (char === ' ' || char === '\t') {
      at++;
    } else if (char === ',' || char === ';' || char === '=') {
      tokens.push(char);
      at++;
    } else if (char === '"') {
      let text = '';
      at++;
      while (at < value.length && value[at] !== '"') {
        if (value[at] === '\\') at++;
        if (at < value.length) text += value[at++];
      }
      if (at >= value.length) return null;
      at++;
      // RFC 6455 §9.1: a quoted value must still be a token once unquoted.
      if (!isToken(text)) return null;
      tokens.push(`"${text}`);
    } else {
      const match = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(value.slice(at));
      if (match === null) return null;
      tokens.push(match[0]);
      at += match[0].length;
    }
  }
  return tokens;
}
// @end
