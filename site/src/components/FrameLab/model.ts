/**
 * What the frame lab computes, apart from drawing it: hex parsing, payload building, and reading
 * bytes as a server would.
 *
 * Every frame is encoded and decoded by the reference implementation itself (solutions/05-frames),
 * imported here unchanged: the lab shows exactly what the workbook's server does with those bytes.
 * The lab only adds the descriptions around it.
 *
 * Reading runs the decoder twice per frame: once with `requireMask: false`, to show the fields of
 * any frame, then once as a server really reads a client frame (`requireMask: true`), so an
 * unmasked frame shows its fields and the error the server fails the connection with.
 */
import { ByteQueue } from '../../../../solutions/02-http-head/byte-queue.ts';
import { decodeFrame, decodeFrameHeader, type DecodeOptions } from '../../../../solutions/05-frames/decode.ts';
import { encodeFrame } from '../../../../solutions/05-frames/encode.ts';
import { Opcode, opcodeName, type FrameHeader } from '../../../../core/frame.ts';
import { ProtocolError } from '../../../../core/errors.ts';
import { CloseCode } from '../../../../core/close-code.ts';
import type { FieldId, FrameSegment } from '../FrameLayout/fields.ts';

export { Opcode, opcodeName };

/** Bytes as the lab prints them: lower-case hex pairs separated by spaces (`81 05 48`). */
export function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Reads hex bytes written any common way: `81 05 48`, `0x81,0x05`, `810548`, `81:05:48`.
 * Throws an Error that says what is wrong with the text.
 */
export function parseHex(text: string): Uint8Array {
  const cleaned = text.replace(/0x/gi, ' ').replace(/[\s,:;]+/g, ' ').trim();
  if (cleaned === '') return new Uint8Array(0);
  const bad = /[^0-9a-f ]/i.exec(cleaned);
  if (bad !== null) throw new Error(`"${bad[0]}" is not a hex digit`);
  const groups = cleaned.split(' ');
  const digits: string[] = [];
  for (const group of groups) {
    if (group.length % 2 !== 0) {
      if (group.length === 1) {
        digits.push(`0${group}`);
        continue;
      }
      throw new Error(`"${group}" has an odd number of hex digits`);
    }
    for (let i = 0; i < group.length; i += 2) digits.push(group.slice(i, i + 2));
  }
  return Uint8Array.from(digits, (pair) => Number.parseInt(pair, 16));
}

/** A 4-byte masking key from hex text; throws if it is not exactly 4 bytes. */
export function parseMaskingKey(text: string): Uint8Array {
  const key = parseHex(text);
  if (key.length !== 4) {
    throw new Error(`a masking key is exactly 4 bytes (RFC 6455 §5.3); this is ${key.length}`);
  }
  return key;
}


/** "protocol error" for 1002, from the names in core/close-code.ts. */
export function closeCodeName(code: number): string {
  const entry = Object.entries(CloseCode).find(([, value]) => value === code);
  if (entry === undefined) {
    if (code >= 3000 && code <= 3999) return 'registered for libraries and frameworks';
    if (code >= 4000 && code <= 4999) return 'private use';
    return 'not a defined code';
  }
  return entry[0].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Building a frame

export type PayloadMode = 'text' | 'hex';

export interface EncodeInput {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  masked: boolean;
  /** Hex text of the 4-byte key; used when `masked`. */
  maskingKey: string;
  payloadMode: PayloadMode;
  /** The message: text (sent as UTF-8) or hex bytes, per `payloadMode`. */
  payload: string;
  /** For a close frame: the status code (empty for none) and the reason. */
  closeCode: string;
  closeReason: string;
}

/** The payload bytes the inputs describe (a close frame's: 2-byte code, then the UTF-8 reason). */
export function buildPayload(input: EncodeInput): Uint8Array {
  if (input.opcode === Opcode.Close) {
    const reason = new TextEncoder().encode(input.closeReason);
    if (input.closeCode.trim() === '') {
      if (reason.length > 0) throw new Error('a close reason needs a status code before it (RFC 6455 §5.5.1)');
      return new Uint8Array(0);
    }
    const code = Number(input.closeCode);
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
      throw new Error(`"${input.closeCode}" is not a 16-bit status code`);
    }
    const payload = new Uint8Array(2 + reason.length);
    new DataView(payload.buffer).setUint16(0, code);
    payload.set(reason, 2);
    return payload;
  }
  return input.payloadMode === 'hex' ? parseHex(input.payload) : new TextEncoder().encode(input.payload);
}

/** The frame's bytes, from the reference `encodeFrame` (header and payload joined). */
export function encodeInput(input: EncodeInput): Uint8Array {
  const payload = buildPayload(input);
  const maskingKey = input.masked ? parseMaskingKey(input.maskingKey) : undefined;
  const chunks = encodeFrame(input.opcode, payload, {
    fin: input.fin,
    rsv1: input.rsv1,
    ...(maskingKey !== undefined && { maskingKey }),
  });
  return concat(chunks);
}

/** Four random bytes for a masking key, as hex. */
export function randomMaskingKey(): string {
  return formatHex(crypto.getRandomValues(new Uint8Array(4)));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading bytes as a server

/** The part of one byte that belongs to one field: `bits` of its 8 bits, in order. */
export interface BytePart {
  field: FieldId;
  bits: number;
}

/** One byte of the input and the fields it carries. */
export interface AnnotatedByte {
  value: number;
  parts: BytePart[];
  /** Index of the frame it belongs to, or -1 for bytes no frame took. */
  frame: number;
}

/** An error as a server meets it: the message, and the close code it fails the connection with. */
export interface ServerError {
  message: string;
  code: number;
  codeName: string;
}

export interface DecodedFrame {
  /** Offset of the frame's first byte in the input. */
  offset: number;
  header: FrameHeader;
  /** The payload, unmasked (null when the frame is incomplete). */
  payload: Uint8Array | null;
  /** The payload exactly as on the wire (still masked). */
  wirePayload: Uint8Array | null;
  /** One line: `text, FIN, unmasked, 5 bytes: Hello`. */
  description: string;
  /** The §5.2 figure for this frame, with its bit values. */
  segments: FrameSegment[];
  /** Why a server refuses this frame from a client, if it does. */
  clientError: ServerError | null;
}

export interface Reading {
  bytes: AnnotatedByte[];
  frames: DecodedFrame[];
  /** The error that stops reading (a header the decoder refuses, or an unmasked client frame). */
  error: ServerError | null;
  /** Set when the input ends inside a frame: what the decoder is waiting for. */
  incomplete: string | null;
  /** Bytes left unread after an error. */
  unread: number;
}

export interface ReadOptions {
  /** permessage-deflate was negotiated, so RSV1 may be set. */
  allowRsv1?: boolean;
}

function toServerError(error: unknown): ServerError {
  if (error instanceof ProtocolError) {
    return { message: error.message, code: error.code, codeName: closeCodeName(error.code) };
  }
  // Anything else is a bug in the decoder: a server closes with 1011 without details (§7.4.1).
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected error: ${message}`, code: CloseCode.InternalError, codeName: closeCodeName(1011) };
}

function queueOf(bytes: Uint8Array): ByteQueue {
  const queue = new ByteQueue();
  queue.push(bytes.slice());
  return queue;
}

const bit = (value: boolean): string => (value ? '1' : '0');
const bitsOf = (value: number, width: number): string => value.toString(2).padStart(width, '0');
const bitsOfBytes = (bytes: Uint8Array): string => Array.from(bytes, (b) => bitsOf(b, 8)).join('');

/** The wire layout of bytes 0 and 1, the same in every frame. */
const FIRST_BYTE: BytePart[] = [
  { field: 'fin', bits: 1 },
  { field: 'rsv1', bits: 1 },
  { field: 'rsv2', bits: 1 },
  { field: 'rsv3', bits: 1 },
  { field: 'opcode', bits: 4 },
];
const SECOND_BYTE: BytePart[] = [
  { field: 'mask', bits: 1 },
  { field: 'payloadLen', bits: 7 },
];

/** Marks which field each byte of a frame belongs to. */
function annotateFrame(bytes: AnnotatedByte[], offset: number, header: FrameHeader | null, index: number): void {
  const mark = (at: number, parts: BytePart[]): void => {
    const byte = bytes[at];
    if (byte !== undefined) {
      byte.parts = parts;
      byte.frame = index;
    }
  };
  mark(offset, FIRST_BYTE);
  mark(offset + 1, SECOND_BYTE);
  if (header === null) return;
  const keyLength = header.maskingKey === null ? 0 : 4;
  const extendedLength = header.headerLength - 2 - keyLength;
  let at = offset + 2;
  for (let i = 0; i < extendedLength; i++) mark(at++, [{ field: 'extendedLength', bits: 8 }]);
  for (let i = 0; i < keyLength; i++) mark(at++, [{ field: 'maskingKey', bits: 8 }]);
  for (let i = 0; i < header.payloadLength && at < bytes.length; i++) mark(at++, [{ field: 'payload', bits: 8 }]);
}

/** The §5.2 figure of one concrete frame. */
function frameSegments(raw: Uint8Array, header: FrameHeader, wirePayload: Uint8Array | null): FrameSegment[] {
  const keyLength = header.maskingKey === null ? 0 : 4;
  const extendedLength = header.headerLength - 2 - keyLength;
  const len7 = raw[1]! & 0x7f;
  const segments: FrameSegment[] = [
    { field: 'fin', bits: 1, bitValues: bit(header.fin) },
    { field: 'rsv1', bits: 1, bitValues: bit(header.rsv1) },
    { field: 'rsv2', bits: 1, bitValues: bit(header.rsv2) },
    { field: 'rsv3', bits: 1, bitValues: bit(header.rsv3) },
    { field: 'opcode', bits: 4, note: `${header.opcode} ${opcodeName(header.opcode)}`, bitValues: bitsOf(header.opcode, 4) },
    { field: 'mask', bits: 1, bitValues: bit(header.masked) },
    {
      field: 'payloadLen',
      bits: 7,
      note: len7 === 126 ? '126: 16-bit length follows' : len7 === 127 ? '127: 64-bit length follows' : String(len7),
      bitValues: bitsOf(len7, 7),
    },
  ];
  if (extendedLength > 0) {
    segments.push({
      field: 'extendedLength',
      bits: extendedLength * 8,
      label: `Extended payload length (${extendedLength * 8} bits)`,
      note: String(header.payloadLength),
      bitValues: bitsOfBytes(raw.subarray(2, 2 + extendedLength)),
    });
  }
  if (header.maskingKey !== null) {
    segments.push({
      field: 'maskingKey',
      bits: 32,
      note: formatHex(header.maskingKey),
      bitValues: bitsOfBytes(header.maskingKey),
    });
  }
  if (header.payloadLength > 0) {
    const shown = Math.min(header.payloadLength, 8);
    const preview = wirePayload === null ? '' : formatHex(wirePayload.subarray(0, shown));
    segments.push({
      field: 'payload',
      bits: shown * 8,
      label: `Payload Data (${header.payloadLength} ${header.payloadLength === 1 ? 'byte' : 'bytes'})`,
      note: preview + (header.payloadLength > shown ? ' …' : ''),
    });
  }
  return segments;
}

const MAX_SHOWN_TEXT = 200;

function quoteText(text: string): string {
  return text.length > MAX_SHOWN_TEXT ? `${text.slice(0, MAX_SHOWN_TEXT)}…` : text;
}

/** The payload in words: the text of a text frame, the status of a close frame, else hex. */
export function describePayload(opcode: number, payload: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (opcode === Opcode.Close) {
    if (payload.length === 0) return 'no status code';
    if (payload.length === 1) return 'a 1-byte close payload (a status code takes 2 bytes)';
    const code = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(0);
    const reasonBytes = payload.subarray(2);
    let reason: string;
    try {
      reason = reasonBytes.length === 0 ? '' : `, reason "${quoteText(decoder.decode(reasonBytes))}"`;
    } catch {
      reason = `, reason not valid UTF-8 (${formatHex(reasonBytes)})`;
    }
    return `status ${code} (${closeCodeName(code)})${reason}`;
  }
  try {
    const text = decoder.decode(payload);
    // Binary data that happens to decode is still shown as text only when it is printable.
    if (opcode === Opcode.Text || opcode === Opcode.Continuation || !/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
      return quoteText(text);
    }
  } catch {
    if (opcode === Opcode.Text) {
      return `${formatHex(payload.subarray(0, 32))}${payload.length > 32 ? ' …' : ''} (not valid UTF-8 on its own)`;
    }
  }
  return formatHex(payload.subarray(0, 32)) + (payload.length > 32 ? ' …' : '');
}

/** `text, FIN, unmasked, 5 bytes: Hello`. */
export function describeFrame(header: FrameHeader, payload: Uint8Array | null): string {
  const parts = [
    opcodeName(header.opcode),
    header.fin ? 'FIN' : 'not FIN (more fragments follow)',
  ];
  const reserved = (['rsv1', 'rsv2', 'rsv3'] as const).filter((name) => header[name]).map((name) => name.toUpperCase());
  if (reserved.length > 0) parts.push(`${reserved.join(' ')} set`);
  parts.push(header.masked && header.maskingKey !== null ? `masked with key ${formatHex(header.maskingKey)}` : 'unmasked');
  const n = header.payloadLength;
  const size = `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  if (n === 0) return [...parts, size].join(', ');
  if (payload === null) return [...parts, `${size} (not all here yet)`].join(', ');
  return `${[...parts, size].join(', ')}: ${describePayload(header.opcode, payload)}`;
}

/**
 * Reads `bytes` as a server reads what a client sends: frame after frame, until the bytes end, a
 * frame is incomplete, or the decoder refuses one (then a server fails the connection and reads no
 * further).
 */
export function readAsServer(bytes: Uint8Array, options: ReadOptions = {}): Reading {
  const annotated: AnnotatedByte[] = Array.from(bytes, (value) => ({ value, parts: [], frame: -1 }));
  const reading: Reading = { bytes: annotated, frames: [], error: null, incomplete: null, unread: 0 };
  const allowedRsv = { rsv1: options.allowRsv1 === true };
  const showFields: DecodeOptions = { requireMask: false, allowedRsv };
  const asServer: DecodeOptions = { requireMask: true, allowedRsv };

  let offset = 0;
  while (offset < bytes.length) {
    const rest = bytes.subarray(offset);
    const index = reading.frames.length;

    // 1. The header, read leniently about masking so every field can be shown.
    let header: FrameHeader | null;
    try {
      header = decodeFrameHeader(queueOf(rest), showFields);
    } catch (error) {
      annotateFrame(annotated, offset, null, index);
      reading.error = toServerError(error);
      reading.unread = rest.length;
      return reading;
    }
    if (header === null) {
      annotateFrame(annotated, offset, null, index);
      reading.incomplete = `the header is not complete yet: ${rest.length} ${rest.length === 1 ? 'byte' : 'bytes'} so far; the decoder waits for more`;
      return reading;
    }
    annotateFrame(annotated, offset, header, index);

    // 2. The whole frame, its payload unmasked by the decoder.
    const frameLength = header.headerLength + header.payloadLength;
    const complete = rest.length >= frameLength;
    let payload: Uint8Array | null = null;
    let wirePayload: Uint8Array | null = null;
    if (complete) {
      wirePayload = rest.slice(header.headerLength, frameLength);
      try {
        payload = decodeFrame(queueOf(rest), showFields)?.payload ?? null;
      } catch (error) {
        reading.error = toServerError(error);
        reading.unread = rest.length;
        return reading;
      }
    }

    // 3. The same bytes read as a server reads a client's frame: the error it fails with, if any.
    let clientError: ServerError | null = null;
    try {
      if (complete) decodeFrame(queueOf(rest), asServer);
      else decodeFrameHeader(queueOf(rest), asServer);
    } catch (error) {
      clientError = toServerError(error);
    }

    reading.frames.push({
      offset,
      header,
      payload,
      wirePayload,
      description: describeFrame(header, payload),
      segments: frameSegments(rest, header, wirePayload),
      clientError,
    });

    if (clientError !== null) {
      // The server fails the connection here (RFC 6455 §7.1.7) and reads nothing more.
      reading.error = clientError;
      reading.unread = Math.max(0, rest.length - frameLength);
      return reading;
    }
    if (!complete) {
      const missing = frameLength - rest.length;
      reading.incomplete = `the payload is not complete yet: ${rest.length - header.headerLength} of ${header.payloadLength} bytes; the decoder waits for ${missing} more`;
      return reading;
    }
    offset += frameLength;
  }
  return reading;
}
