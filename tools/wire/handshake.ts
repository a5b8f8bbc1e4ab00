/**
 * The opening handshake as a client sees it (RFC 6455 §4.1, §4.2.2): the request it writes, the
 * accept value it expects back, and the response head it reads.
 *
 * {@link upgradeRequest} is valid by default and lets a caller change, drop or add any field, so a
 * test can send exactly the request it needs refused. The accept value is computed here with
 * node:crypto, on its own: the toolkit checks a server's handshake without asking the chapter code
 * how. The response parser is strict (RFC 9112 §4, §5): a server that writes a malformed head is told
 * so rather than understood kindly.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The RFC 6455 §1.3 sample key and its accept value. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** The Sec-WebSocket-Accept value for `key`: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 item 5.4). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID, 'latin1').digest('base64');
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1 item 7). */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

export interface UpgradeRequestOptions {
  /** Request method, default `GET`. */
  method?: string;
  /** Request-target, default `/`. */
  path?: string;
  /** HTTP version on the request line, default `HTTP/1.1`. */
  httpVersion?: string;
  /** Host, default `127.0.0.1`; `null` leaves the field out. */
  host?: string | null;
  /** Sec-WebSocket-Key, default the RFC 6455 §1.3 sample {@link SAMPLE_KEY}. */
  key?: string;
  /** Sec-WebSocket-Version, default `13`. */
  version?: string;
  /** Sec-WebSocket-Protocol offer, joined with ", "; no field when absent or empty. */
  protocols?: string[];
  /**
   * Fields by name: a name that matches a default field (case-insensitively) replaces it, `null`
   * leaves it out; any other name is added after the defaults.
   */
  headers?: Record<string, string | null>;
  /** Fields added last, as given: the same name may repeat (`['X-A', '1'], ['X-A', '2']`). */
  appendHeaders?: Array<[string, string]>;
}

/** A client's opening handshake (RFC 6455 §4.1): the request head, ending with the empty line. */
export function upgradeRequest(o: UpgradeRequestOptions = {}): string {
  const fields: [string, string | null][] = [];
  const host = o.host === undefined ? '127.0.0.1' : o.host;
  fields.push(['Host', host]);
  fields.push(['Upgrade', 'websocket']);
  fields.push(['Connection', 'Upgrade']);
  fields.push(['Sec-WebSocket-Key', o.key ?? SAMPLE_KEY]);
  fields.push(['Sec-WebSocket-Version', o.version ?? '13']);
  if (o.protocols && o.protocols.length > 0) fields.push(['Sec-WebSocket-Protocol', o.protocols.join(', ')]);
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    const at = fields.findIndex(([existing]) => existing.toLowerCase() === name.toLowerCase());
    if (at >= 0) fields[at] = [name, value];
    else fields.push([name, value]);
  }
  fields.push(...(o.appendHeaders ?? []));
  const lines = fields.flatMap(([name, value]) => (value === null ? [] : [`${name}: ${value}\r\n`]));
  return `${o.method ?? 'GET'} ${o.path ?? '/'} ${o.httpVersion ?? 'HTTP/1.1'}\r\n${lines.join('')}\r\n`;
}

/** The empty line that ends an HTTP head (RFC 9112 §2.1). */
const HEAD_END = [0x0d, 0x0a, 0x0d, 0x0a] as const;

/** Index just past the first CRLF CRLF at or after `from`, or -1. */
export function findHeadEnd(bytes: Uint8Array, from = 0): number {
  outer: for (let i = from; i + 4 <= bytes.length; i++) {
    for (let j = 0; j < 4; j++) if (bytes[i + j] !== HEAD_END[j]) continue outer;
    return i + 4;
  }
  return -1;
}

/** A response head as read: status line and fields. */
export interface ResponseHead {
  status: number;
  reason: string;
  statusLine: string;
  /** Lower-cased name → every value, in order. */
  headers: Map<string, string[]>;
  /** The head as received, CRLF CRLF included. */
  head: string;
}

/** A whole HTTP response: the head and its `Content-Length` body. */
export interface HttpResponseRead extends ResponseHead {
  body: Uint8Array;
}

/**
 * Parses a response head (latin1 text up to and including CRLF CRLF). Returns what is wrong with it,
 * with the section, when it is not a valid HTTP/1.1 head.
 */
export function parseResponseHead(head: string): ResponseHead | { error: string } {
  const [statusLine = '', ...fieldLines] = head.replace(/\r\n\r\n$/, '').split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
  if (!status) return { error: `expected a status line "HTTP/1.1 <code> <reason>", got "${statusLine}" (RFC 9112 §4)` };
  const headers = new Map<string, string[]>();
  for (const line of fieldLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `malformed header line in the response: "${line}" (RFC 9112 §5)` };
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { status: Number(status[1]), reason: status[2] ?? '', statusLine, headers, head };
}

/** A field's value, repeated fields joined with ", " (RFC 9110 §5.3); undefined when absent. */
export function headerValue(response: ResponseHead, name: string): string | undefined {
  return response.headers.get(name.toLowerCase())?.join(', ');
}
