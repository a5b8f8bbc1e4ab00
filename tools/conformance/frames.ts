/**
 * Frame builders for the client side of the suite, and the parser for what the server sends back.
 *
 * The builders can produce any frame, including the ones RFC 6455 forbids (reserved bits, reserved
 * opcodes, unmasked client frames, lengths that lie about the payload): that is the point of a
 * conformance suite. A builder never validates; the cases choose what to break.
 *
 * The parser is strict in the other direction: a server frame that is masked (RFC 6455 §5.1), or uses
 * a reserved bit or opcode, is reported as a {@link ServerFrameError}, so every case checks the
 * server's own framing for free.
 */
import { randomBytes } from 'node:crypto';

/** Opcodes of RFC 6455 §5.2. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

const FIN_BIT = 0x80;
const MASK_BIT = 0x80;
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const MAX_SHORT_LENGTH = 125;

/** Everything about one client frame; anything left out takes the RFC's normal value. */
export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** Final fragment (default true). */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3 (default 0). */
  rsv?: number;
  /** Mask the payload as a client must (default true, RFC 6455 §5.3). */
  mask?: boolean;
  /** A fixed masking key; random when left out. */
  maskingKey?: Uint8Array;
  /** Claim this payload length in the header instead of the real one (the payload is still sent). */
  claimedLength?: bigint;
}

/** UTF-8 bytes of a string, or the bytes themselves. */
export function bytes(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  return typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
}

/** Bytes from a hex string such as `'ce ba e1 bd b9'` (spaces ignored). */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Concatenate byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** The header of a frame: first two bytes, extended length, masking key (RFC 6455 §5.2). */
export function encodeHeader(spec: FrameSpec, payloadLength: bigint, maskingKey?: Uint8Array): Uint8Array {
  const fin = spec.fin ?? true;
  const first = (fin ? FIN_BIT : 0) | (((spec.rsv ?? 0) & 0b111) << 4) | (spec.opcode & 0x0f);
  const maskBit = maskingKey ? MASK_BIT : 0;
  let lengthBytes: Uint8Array;
  if (payloadLength <= BigInt(MAX_SHORT_LENGTH)) {
    lengthBytes = Uint8Array.of(maskBit | Number(payloadLength));
  } else if (payloadLength <= 0xffffn) {
    lengthBytes = new Uint8Array(3);
    lengthBytes[0] = maskBit | LENGTH_16;
    new DataView(lengthBytes.buffer).setUint16(1, Number(payloadLength));
  } else {
    lengthBytes = new Uint8Array(9);
    lengthBytes[0] = maskBit | LENGTH_64;
    new DataView(lengthBytes.buffer).setBigUint64(1, BigInt.asUintN(64, payloadLength));
  }
  return concat(Uint8Array.of(first), lengthBytes, maskingKey ?? new Uint8Array(0));
}

/** XOR the payload with the 4-byte key (RFC 6455 §5.3); returns a new array. */
export function applyMask(payload: Uint8Array, maskingKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = payload[i]! ^ maskingKey[i & 3]!;
  return out;
}

/** A complete frame as the client sends it: masked unless the spec says otherwise. */
export function frame(spec: FrameSpec): Uint8Array {
  const payload = bytes(spec.payload);
  const masked = spec.mask ?? true;
  const maskingKey = masked ? (spec.maskingKey ?? Uint8Array.from(randomBytes(4))) : undefined;
  const header = encodeHeader(spec, spec.claimedLength ?? BigInt(payload.length), maskingKey);
  return concat(header, maskingKey ? applyMask(payload, maskingKey) : payload);
}

/** Only the header of a masked frame that claims `length` payload bytes; the payload is never sent. */
export function headerOnly(opcode: number, length: bigint, fin = true): Uint8Array {
  return encodeHeader({ opcode, fin }, length, Uint8Array.from(randomBytes(4)));
}

type Extra = Omit<FrameSpec, 'opcode' | 'payload'>;

export const text = (payload: Uint8Array | string, extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Text, payload });
export const binary = (payload: Uint8Array | string, extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Binary, payload });
export const continuation = (payload: Uint8Array | string, extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Continuation, payload });
export const ping = (payload: Uint8Array | string = '', extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Ping, payload });
export const pong = (payload: Uint8Array | string = '', extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Pong, payload });

/** The payload of a close frame: a 2-byte code then a UTF-8 reason (RFC 6455 §5.5.1). */
export function closePayload(code?: number, reason: Uint8Array | string = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const head = new Uint8Array(2);
  new DataView(head.buffer).setUint16(0, code);
  return concat(head, bytes(reason));
}

export const close = (code?: number, reason: Uint8Array | string = '', extra: Extra = {}): Uint8Array =>
  frame({ ...extra, opcode: Opcode.Close, payload: closePayload(code, reason) });

/** A frame the server sent, as read off the wire. */
export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Uint8Array;
  /** The frame's bytes as received, for failure reports. */
  raw: Uint8Array;
}

/** The server broke RFC 6455 §5 in a frame it sent. */
export class ServerFrameError extends Error {
  override name = 'ServerFrameError';
}

const KNOWN_OPCODES = new Set<number>(Object.values(Opcode));

/**
 * Parse one server frame from the front of `buffer`; `null` while the frame is incomplete.
 * Throws {@link ServerFrameError} for a masked frame, reserved bits, or a reserved opcode.
 */
export function parseServerFrame(buffer: Uint8Array): { frame: ServerFrame; size: number } | null {
  if (buffer.length < 2) return null;
  const first = buffer[0]!;
  const second = buffer[1]!;
  const frameHeader = { fin: (first & FIN_BIT) !== 0, rsv: (first >> 4) & 0b111, opcode: first & 0x0f };
  if (second & MASK_BIT) throw new ServerFrameError('the server sent a masked frame (RFC 6455 §5.1: a server MUST NOT mask)');
  if (frameHeader.rsv !== 0) throw new ServerFrameError('the server set RSV bits without a negotiated extension (RFC 6455 §5.2)');
  if (!KNOWN_OPCODES.has(frameHeader.opcode)) {
    throw new ServerFrameError(`the server used reserved opcode 0x${frameHeader.opcode.toString(16)} (RFC 6455 §5.2)`);
  }
  let offset = 2;
  let length = second & 0x7f;
  if (length === LENGTH_16) {
    if (buffer.length < 4) return null;
    length = (buffer[2]! << 8) | buffer[3]!;
    offset = 4;
  } else if (length === LENGTH_64) {
    if (buffer.length < 10) return null;
    const big = new DataView(buffer.buffer, buffer.byteOffset + 2, 8).getBigUint64(0);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ServerFrameError('the server sent a frame longer than 2^53 bytes');
    length = Number(big);
    offset = 10;
  }
  if (buffer.length < offset + length) return null;
  const size = offset + length;
  return {
    frame: { ...frameHeader, payload: buffer.subarray(offset, size), raw: buffer.subarray(0, size) },
    size,
  };
}
