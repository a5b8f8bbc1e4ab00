/**
 * The opening handshake as a client writes it (RFC 6455 §4.1), with every field overridable so
 * refusal cases can leave one out or get one wrong.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface RequestOptions {
  method?: string;
  path?: string;
  httpVersion?: string;
  /** Replace (string) or drop (null) a field; names as written on the wire. */
  fields?: Record<string, string | null>;
  /** Appended after the usual fields, e.g. `['Sec-WebSocket-Protocol', 'chat']`. */
  extra?: Array<[string, string]>;
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1). */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

/** The Sec-WebSocket-Accept a server must answer `key` with (RFC 6455 §4.2.2). */
export function expectedAccept(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** The request head as text, ending with the empty line. */
export function buildRequest(hostHeader: string, defaultPath: string, options: RequestOptions = {}): string {
  const fields: Record<string, string | null> = {
    Host: hostHeader,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': newKey(),
    'Sec-WebSocket-Version': '13',
    ...options.fields,
  };
  const lines = [`${options.method ?? 'GET'} ${options.path ?? defaultPath} HTTP/${options.httpVersion ?? '1.1'}`];
  for (const [name, value] of Object.entries(fields)) if (value !== null) lines.push(`${name}: ${value}`);
  for (const [name, value] of options.extra ?? []) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The key a request head carries, to check the answer against. */
export function keyOf(request: string): string | undefined {
  return /^sec-websocket-key:\s*(.*)$/im.exec(request)?.[1]?.trim();
}
