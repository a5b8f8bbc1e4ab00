/**
 * Test helpers that speak raw bytes, so a failing test can show exactly what went over the wire.
 *
 * - {@link hex}, {@link escaped} and {@link describeFrames} turn bytes into text for failure messages.
 * - {@link clientFrame} and {@link upgradeRequest} build what a client sends. The frame encoder here is
 *   written independently of the workbook's own encoder (chapter 05), so a bug there cannot hide
 *   itself by agreeing with the tests.
 * - {@link RawClient} is a TCP client that records every byte sent and received. Every wait is
 *   bounded, and every failure carries the transcript: what was sent, what came back.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

/** How long a read waits by default, in ms. */
export const DEFAULT_TIMEOUT_MS = 2000;

const OPCODE_NAMES: Record<number, string> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

const encoder = new TextEncoder();
const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a] as const;

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

/** `81 05 48 65 6c 6c 6f`; past `max` bytes (default 64), ` … (N more bytes)`. */
export function hex(bytes: Uint8Array, max = 64): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} … (${bytes.length - max} more bytes)` : shown;
}

/**
 * The bytes as a string literal would show them: printable ASCII and whole UTF-8 characters as is,
 * `\r`, `\n`, `\t`, other bytes as `\xNN`. Past `max` bytes (default 2048), ` … (N more bytes)`.
 */
export function escaped(bytes: Uint8Array, max = 2048): string {
  let out = '';
  const shown = bytes.subarray(0, max);
  for (let i = 0; i < shown.length; i++) {
    const b = shown[i]!;
    // A whole UTF-8 sequence is shown as its character (a body may say "RFC 6455 §4.4").
    const length = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    if (b >= 0x80 && length > 1 && b < 0xf5) {
      try {
        out += new TextDecoder('utf-8', { fatal: true }).decode(shown.subarray(i, i + length));
        i += length - 1;
        continue;
      } catch {
        // not UTF-8: fall through to \xNN
      }
    }
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out} … (${bytes.length - max} more bytes)` : out;
}

/** Bytes → string, one character per byte (TextDecoder's 'latin1' is windows-1252). */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Index just past the first CRLF CRLF at or after `from`, or -1. */
function findHeadEnd(bytes: Uint8Array, from = 0): number {
  outer: for (let i = from; i + 4 <= bytes.length; i++) {
    for (let j = 0; j < 4; j++) if (bytes[i + j] !== CRLFCRLF[j]) continue outer;
    return i + 4;
  }
  return -1;
}

/** A payload as text when it is printable UTF-8, for the annotated dumps. */
function quoted(payload: Uint8Array, max = 60): string {
  if (payload.length === 0) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return '';
  }
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return '';
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return ` '${shown.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

interface ParsedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskingKey: Uint8Array | null;
  payloadLength: number;
  headerLength: number;
  /** Unmasked payload. */
  payload: Uint8Array;
}

/**
 * Parses one frame at the start of `bytes`: the frame, `{ partial: reason }` when the bytes end
 * inside it. Lengths above 2^53 are reported as partial (they never arrive in a test).
 */
function parseFrame(bytes: Uint8Array): ParsedFrame | { partial: string } {
  if (bytes.length < 2) return { partial: `partial frame header (${bytes.length} of at least 2 bytes)` };
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const masked = (b1 & 0x80) !== 0;
  let payloadLength = b1 & 0x7f;
  let headerLength = 2;
  if (payloadLength === 126) headerLength += 2;
  else if (payloadLength === 127) headerLength += 8;
  if (masked) headerLength += 4;
  if (bytes.length < headerLength) {
    return { partial: `partial frame header (${bytes.length} of ${headerLength} bytes)` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (payloadLength === 126) payloadLength = view.getUint16(2);
  else if (payloadLength === 127) payloadLength = Number(view.getBigUint64(2));
  const lengthEnd = b1 % 128 === 126 ? 4 : b1 % 128 === 127 ? 10 : 2;
  const maskingKey = masked ? bytes.slice(lengthEnd, lengthEnd + 4) : null;
  if (bytes.length < headerLength + payloadLength) {
    return {
      partial: `partial frame: ${describeHeader(b0, masked, payloadLength, maskingKey)}, ${
        bytes.length - headerLength
      } of ${payloadLength} payload bytes received`,
    };
  }
  const payload = bytes.slice(headerLength, headerLength + payloadLength);
  if (maskingKey) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskingKey[i % 4]!;
  return {
    fin: (b0 & 0x80) !== 0,
    rsv1: (b0 & 0x40) !== 0,
    rsv2: (b0 & 0x20) !== 0,
    rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f,
    masked,
    maskingKey,
    payloadLength,
    headerLength,
    payload,
  };
}

function describeHeader(b0: number, masked: boolean, payloadLength: number, key: Uint8Array | null): string {
  const opcode = b0 & 0x0f;
  const flags = [
    b0 & 0x80 ? 'FIN' : 'no-FIN',
    ...(b0 & 0x40 ? ['RSV1'] : []),
    ...(b0 & 0x20 ? ['RSV2'] : []),
    ...(b0 & 0x10 ? ['RSV3'] : []),
  ];
  const name = OPCODE_NAMES[opcode] ?? `reserved-opcode-0x${opcode.toString(16)}`;
  const mask = masked && key ? `masked key=${hex(key)}` : 'unmasked';
  return `${flags.join(' ')} ${name} len=${payloadLength} ${mask}`;
}

/** What a close frame's payload says: `code=1000 reason='bye'`. */
function describeClose(payload: Uint8Array): string {
  if (payload.length === 0) return 'no status code';
  if (payload.length === 1) return 'invalid: 1-byte close payload';
  const code = (payload[0]! << 8) | payload[1]!;
  const reason = payload.subarray(2);
  return reason.length === 0 ? `code=${code}` : `code=${code} reason=${quoted(reason).trim() || hex(reason)}`;
}

/**
 * One line per frame, e.g. `81 05 | FIN text len=5 unmasked | 48 65 6c 6c 6f 'Hello'`. Masked
 * frames show their key and the payload as sent, then unmasked; a close frame its code and reason;
 * bytes that end inside a frame are noted as a partial frame. After `maxFrames` lines, the rest is
 * summed up in one line.
 */
export function describeFrames(bytes: Uint8Array, maxFrames = 40): string {
  const lines: string[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    if (lines.length === maxFrames) {
      lines.push(`… (${rest.length} more bytes)`);
      break;
    }
    const frame = parseFrame(rest);
    if ('partial' in frame) {
      lines.push(`${hex(rest, 16)} | ${frame.partial}`);
      break;
    }
    const header = hex(rest.subarray(0, frame.headerLength));
    const raw = rest.subarray(frame.headerLength, frame.headerLength + frame.payloadLength);
    let payload = hex(raw, 32);
    if (frame.masked) payload += ` (unmasked: ${hex(frame.payload, 32)})`;
    if (frame.opcode === 0x8) payload += ` ${describeClose(frame.payload)}`;
    else payload += quoted(frame.payload);
    const description = describeHeader(rest[0]!, frame.masked, frame.payloadLength, frame.maskingKey);
    lines.push(`${header} | ${description} | ${payload.trim() || '(empty payload)'}`);
    rest = rest.subarray(frame.headerLength + frame.payloadLength);
  }
  return lines.join('\n');
}

export interface ClientFrameOptions {
  opcode: number;
  payload?: Uint8Array | string;
  /** Default true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Default true with a random key; false for an unmasked frame; or the 4-byte key to use. */
  mask?: boolean | Uint8Array;
  /** Force a length encoding, even a non-minimal one (RFC 6455 §5.2 requires the minimal one). */
  lengthBits?: 7 | 16 | 64;
}

/** A frame as a client sends it (masked by default, RFC 6455 §5.3), encoded independently. */
export function clientFrame(o: ClientFrameOptions): Uint8Array {
  const payload = toBytes(o.payload ?? new Uint8Array(0));
  const mask = o.mask ?? true;
  const key = mask === false ? null : mask === true ? new Uint8Array(randomBytes(4)) : mask;
  if (key && key.length !== 4) throw new Error(`clientFrame: a masking key has 4 bytes, got ${key.length}`);
  const bits = o.lengthBits ?? (payload.length < 126 ? 7 : payload.length < 65536 ? 16 : 64);
  if (bits === 7 && payload.length > 125) throw new Error('clientFrame: a 7-bit length holds at most 125');
  if (bits === 16 && payload.length > 65535) throw new Error('clientFrame: a 16-bit length holds at most 65535');
  const lengthBytes = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const headerLength = 2 + lengthBytes + (key ? 4 : 0);
  const out = new Uint8Array(headerLength + payload.length);
  out[0] =
    ((o.fin ?? true) ? 0x80 : 0) |
    (o.rsv1 ? 0x40 : 0) |
    (o.rsv2 ? 0x20 : 0) |
    (o.rsv3 ? 0x10 : 0) |
    (o.opcode & 0x0f);
  out[1] = (key ? 0x80 : 0) | (bits === 7 ? payload.length : bits === 16 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (bits === 16) view.setUint16(2, payload.length);
  if (bits === 64) view.setBigUint64(2, BigInt(payload.length));
  if (key) out.set(key, 2 + lengthBytes);
  for (let i = 0; i < payload.length; i++) out[headerLength + i] = key ? payload[i]! ^ key[i % 4]! : payload[i]!;
  return out;
}

export interface UpgradeRequestOptions {
  /** Request-target, default `/`. */
  path?: string;
  /** Sec-WebSocket-Key, default the RFC 6455 §1.3 sample `dGhlIHNhbXBsZSBub25jZQ==`. */
  key?: string;
  /** Sec-WebSocket-Protocol offer; no header when absent or empty. */
  protocols?: string[];
  /** Sec-WebSocket-Version, default `13`. */
  version?: string;
  /** Host, default `127.0.0.1`; `null` leaves the header out. */
  host?: string | null;
  /** More fields; a name that matches a default field (case-insensitive) replaces it. */
  extraHeaders?: Record<string, string>;
  /** Default fields to leave out, by name (case-insensitive), e.g. `['Sec-WebSocket-Key']`. */
  omit?: string[];
  /** Request method, default `GET`. */
  method?: string;
  /** HTTP version on the request line, default `HTTP/1.1`. */
  httpVersion?: string;
}

/** The RFC 6455 §1.3 sample key and its accept value. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/**
 * A client's opening handshake (RFC 6455 §4.1), valid by default. Two fields with the same name
 * cannot be built here: write such a request by hand.
 */
export function upgradeRequest(o: UpgradeRequestOptions = {}): string {
  const fields: [string, string][] = [];
  const host = o.host === undefined ? '127.0.0.1' : o.host;
  if (host !== null) fields.push(['Host', host]);
  fields.push(['Upgrade', 'websocket']);
  fields.push(['Connection', 'Upgrade']);
  fields.push(['Sec-WebSocket-Key', o.key ?? SAMPLE_KEY]);
  fields.push(['Sec-WebSocket-Version', o.version ?? '13']);
  if (o.protocols && o.protocols.length > 0) fields.push(['Sec-WebSocket-Protocol', o.protocols.join(', ')]);
  for (const [name, value] of Object.entries(o.extraHeaders ?? {})) {
    const at = fields.findIndex(([existing]) => existing.toLowerCase() === name.toLowerCase());
    if (at >= 0) fields[at] = [name, value];
    else fields.push([name, value]);
  }
  const omitted = new Set((o.omit ?? []).map((name) => name.toLowerCase()));
  const lines = fields.filter(([name]) => !omitted.has(name.toLowerCase())).map(([n, v]) => `${n}: ${v}\r\n`);
  return `${o.method ?? 'GET'} ${o.path ?? '/'} ${o.httpVersion ?? 'HTTP/1.1'}\r\n${lines.join('')}\r\n`;
}

export interface HttpResponseRead {
  status: number;
  reason: string;
  /** Lower-cased name → every value, in order. */
  headers: Map<string, string[]>;
  /** The head as received, CRLF CRLF included. */
  head: string;
  body: Uint8Array;
}

export interface FrameRead {
  /** The frame's header bytes as they came on the wire. */
  header: Uint8Array;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Unmasked. */
  payload: Uint8Array;
  /** A close frame's status code, when it has one. */
  closeCode?: number;
  /** A close frame's reason (UTF-8 decoded, lenient). */
  closeReason?: string;
}

/** Splits bytes into an HTTP head (+ Content-Length body) and what follows, for transcripts. */
function splitHttp(bytes: Uint8Array, startsWith: RegExp): [Uint8Array, Uint8Array] {
  const start = latin1(bytes.subarray(0, 16));
  if (!startsWith.test(start)) return [new Uint8Array(0), bytes];
  const end = findHeadEnd(bytes);
  if (end < 0) return [bytes, new Uint8Array(0)];
  const head = latin1(bytes.subarray(0, end));
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  const bodyEnd = Math.min(bytes.length, end + length);
  return [bytes.subarray(0, bodyEnd), bytes.subarray(bodyEnd)];
}

function indentHttp(bytes: Uint8Array, max: number): string[] {
  const text = escaped(bytes, max);
  return text.split(/(?<=\\n)/).map((line) => `  ${line}`);
}

/** An append-only byte buffer that grows by doubling, so recording a large transfer stays linear. */
class Recording {
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
}

/**
 * A raw TCP client for tests. It records what it sends and receives; reads take bytes from its own
 * buffer, so an HTTP response and the frames right behind it (even in one TCP segment) are read in
 * order. Every read is bounded by a timeout, and every failure message ends with the transcript.
 */
export class RawClient {
  private readonly sentLog = new Recording();
  private readonly receivedLog = new Recording();
  /** How much of `received` the reads have consumed. */
  private cursor = 0;
  private peerClosed = false;
  private closeNote = '';
  private notes: string[] = [];
  private waiters = new Set<() => void>();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.receivedLog.append(chunk);
      this.wake();
    });
    socket.on('end', () => {
      this.peerClosed = true;
      this.closeNote ||= '(the server closed the TCP connection: FIN)';
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') {
        this.peerClosed = true;
        this.closeNote ||= '(the server reset the TCP connection: RST)';
      } else {
        this.notes.push(`(socket error: ${error.code ?? error.message})`);
      }
      this.wake();
    });
    socket.on('close', () => {
      if (!this.closedByUs) {
        this.peerClosed = true;
        this.closeNote ||= '(the TCP connection closed)';
      }
      this.wake();
    });
  }

  private closedByUs = false;

  /** Every byte sent so far. */
  private get sent(): Uint8Array {
    return this.sentLog.bytes;
  }

  /** Every byte received so far (read or not). */
  private get received(): Uint8Array {
    return this.receivedLog.bytes;
  }

  /** Connects to `host:port` (default 127.0.0.1), within the default timeout. */
  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`waited ${DEFAULT_TIMEOUT_MS} ms to connect to ${host}:${port}`));
      }, DEFAULT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RawClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to ${host}:${port}: ${error.message}`));
      });
    });
  }

  /** True once the server closed the TCP connection (FIN or reset). */
  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  /** Bytes received and not read yet. */
  get unread(): Uint8Array {
    return this.received.subarray(this.cursor);
  }

  /**
   * Sends bytes (a string is UTF-8 encoded). Resolves once the socket accepted them; a write error
   * (the server already closed) is noted in the transcript, not thrown: what the server answered
   * before it closed is what the test checks.
   */
  write(bytes: Uint8Array | string): Promise<void> {
    const data = toBytes(bytes);
    this.sentLog.append(data);
    if (this.socket.destroyed || this.socket.writableEnded) {
      this.notes.push(`(not sent: the socket is closed; ${data.length} bytes)`);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.socket.write(data, (error) => {
        if (error) this.notes.push(`(write failed: ${(error as NodeJS.ErrnoException).code ?? error.message})`);
        resolve();
      });
    });
  }

  /**
   * Reads one HTTP response: the head up to CRLF CRLF, and a `Content-Length` body. Whatever follows
   * (frames) stays buffered for {@link RawClient.readFrame}.
   */
  async readHttpResponse(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HttpResponseRead> {
    const end = await this.waitFor('an HTTP response head (ending with \\r\\n\\r\\n)', timeoutMs, () => {
      const at = findHeadEnd(this.received, this.cursor);
      return at < 0 ? undefined : at;
    });
    const head = latin1(this.received.subarray(this.cursor, end));
    const [statusLine = '', ...fieldLines] = head.slice(0, -4).split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
    if (!status) this.fail(`expected a status line "HTTP/1.1 <code> <reason>", got "${statusLine}" (RFC 9112 §4)`);
    const headers = new Map<string, string[]>();
    for (const line of fieldLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) this.fail(`malformed header line in the response: "${line}" (RFC 9112 §5)`);
      const name = line.slice(0, colon).toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const length = Number(headers.get('content-length')?.[0] ?? 0);
    const bodyEnd = end + length;
    await this.waitFor(`a ${length}-byte response body (Content-Length)`, timeoutMs, () =>
      this.received.length >= bodyEnd ? true : undefined,
    );
    const body = this.received.slice(end, bodyEnd);
    this.cursor = bodyEnd;
    return { status: Number(status[1]), reason: status[2] ?? '', headers, head, body };
  }

  /** Reads exactly `n` raw bytes. */
  async readBytes(n: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Uint8Array> {
    await this.waitFor(`${n} bytes`, timeoutMs, () => (this.received.length - this.cursor >= n ? true : undefined));
    const bytes = this.received.slice(this.cursor, this.cursor + n);
    this.cursor += n;
    return bytes;
  }

  /** Reads one whole frame from what the server sent (after the HTTP response). */
  async readFrame(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FrameRead> {
    const frame = await this.waitFor('a frame', timeoutMs, () => {
      const parsed = parseFrame(this.received.subarray(this.cursor));
      return 'partial' in parsed ? undefined : parsed;
    });
    const header = this.received.slice(this.cursor, this.cursor + frame.headerLength);
    this.cursor += frame.headerLength + frame.payloadLength;
    const read: FrameRead = {
      header,
      fin: frame.fin,
      rsv1: frame.rsv1,
      rsv2: frame.rsv2,
      rsv3: frame.rsv3,
      opcode: frame.opcode,
      masked: frame.masked,
      payload: frame.payload,
    };
    if (frame.opcode === 0x8 && frame.payload.length >= 2) {
      read.closeCode = (frame.payload[0]! << 8) | frame.payload[1]!;
      read.closeReason = new TextDecoder().decode(frame.payload.subarray(2));
    }
    return read;
  }

  /**
   * Resolves once the server has closed the TCP connection (FIN or reset). Bytes received before
   * the close stay readable.
   */
  async expectClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.waitFor('the server to close the TCP connection', timeoutMs, () =>
      this.peerClosed ? true : undefined,
    );
  }

  /** Aborts the connection with a TCP reset (RST) instead of a FIN. */
  reset(): void {
    this.closedByUs = true;
    this.notes.push('(the client reset the connection)');
    this.socket.resetAndDestroy();
  }

  /** Sends FIN: the client will send nothing more. */
  end(): void {
    this.socket.end();
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }

  /** What was sent and received so far: HTTP escaped, frames annotated. */
  transcript(): string {
    const lines = ['sent:'];
    const [request, frames] = splitHttp(this.sent, /^[A-Z]+ /);
    if (request.length > 0) lines.push(...indentHttp(request, 4096));
    if (frames.length > 0) {
      const printable = frames.every((b) => b === 0x0d || b === 0x0a || (b >= 0x20 && b < 0x7f));
      if (request.length === 0 && printable) lines.push(...indentHttp(frames, 4096));
      else lines.push(...describeFrames(frames).split('\n').map((line) => `  ${line}`));
    }
    if (this.sent.length === 0) lines.push('  (nothing)');
    lines.push('received:');
    const [response, rest] = splitHttp(this.received, /^HTTP\//);
    if (response.length > 0) lines.push(...indentHttp(response, 4096));
    if (rest.length > 0) lines.push(...describeFrames(rest).split('\n').map((line) => `  ${line}`));
    if (this.received.length === 0) lines.push('  (nothing)');
    for (const note of this.notes) lines.push(`  ${note}`);
    if (this.peerClosed) lines.push(`  ${this.closeNote}`);
    return lines.join('\n');
  }

  /** Throws an Error with `message` and the transcript. */
  fail(message: string): never {
    throw new Error(`${message}\n${this.transcript()}`);
  }

  /** Waits until `check` returns a value; fails with the transcript on timeout or on close. */
  private waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          finish();
          reject(error);
          return true;
        }
        if (value !== undefined) {
          finish();
          resolve(value);
          return true;
        }
        if (this.peerClosed || this.socket.destroyed) {
          finish();
          reject(new Error(`waited for ${what}, but the connection closed first\n${this.transcript()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`waited ${timeoutMs} ms for ${what}\n${this.transcript()}`));
      }, timeoutMs);
      const waiter = (): void => void attempt();
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!attempt()) this.waiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * Connects, sends an upgrade request ({@link upgradeRequest} options) and requires
 * `101 Switching Protocols`; the returned client is positioned right after the 101's head.
 */
export async function openWebSocket(port: number, o?: UpgradeRequestOptions): Promise<RawClient> {
  const client = await RawClient.connect(port);
  try {
    await client.write(upgradeRequest(o));
    const response = await client.readHttpResponse();
    if (response.status !== 101) {
      client.fail(`expected 101 Switching Protocols, got ${response.status} (RFC 6455 §4.2.2)`);
    }
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}
