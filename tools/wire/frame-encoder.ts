/**
 * Frames as a client writes them (RFC 6455 §5.2, §5.3), encoded here on their own: a bug in the
 * workbook's encoder cannot hide by agreeing with the tests.
 *
 * The encoder builds any frame, including the ones the RFC forbids (reserved bits and opcodes,
 * unmasked client frames, a length in a longer field than needed, a header that announces a payload
 * never sent): tests and the conformance suite choose what to break, so nothing is validated beyond
 * what the bytes can hold. Frames are masked by default with a fresh random key, as §5.3 requires of
 * a client; `mask: false` gives an unmasked frame, which is also how a server's frame looks.
 */
import { randomBytes } from 'node:crypto';
import { Opcode } from '../../core/frame.ts';
import { concatBytes, toBytes } from './bytes.ts';
import {
  FIN_BIT,
  LENGTH_16,
  LENGTH_64,
  MASK_BIT,
  MAX_16_BIT_LENGTH,
  MAX_7_BIT_LENGTH,
  OPCODE_BITS,
  RSV1_BIT,
  RSV2_BIT,
  RSV3_BIT,
} from './frame-layout.ts';

export interface FrameHeaderOptions {
  opcode: number;
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

export interface ClientFrameOptions extends FrameHeaderOptions {
  payload?: Uint8Array | string;
}

function maskingKeyFor(mask: boolean | Uint8Array | undefined): Uint8Array | null {
  if (mask === false) return null;
  const key = mask === undefined || mask === true ? new Uint8Array(randomBytes(4)) : mask;
  if (key.length !== 4) throw new Error(`clientFrame: a masking key has 4 bytes, got ${key.length}`);
  return key;
}

/** The header bytes: first byte, 7-bit length (+16 or 64 bits), masking key. */
function encodeHeader(o: FrameHeaderOptions, payloadLength: bigint, key: Uint8Array | null): Uint8Array {
  const bits = o.lengthBits ?? (payloadLength <= MAX_7_BIT_LENGTH ? 7 : payloadLength <= MAX_16_BIT_LENGTH ? 16 : 64);
  if (bits === 7 && payloadLength > MAX_7_BIT_LENGTH) throw new Error('clientFrame: a 7-bit length holds at most 125');
  if (bits === 16 && payloadLength > MAX_16_BIT_LENGTH) throw new Error('clientFrame: a 16-bit length holds at most 65535');
  if (payloadLength < 0n || payloadLength >= 2n ** 64n) throw new Error('clientFrame: a 64-bit length holds 0 to 2^64 - 1');
  const lengthBytes = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const header = new Uint8Array(2 + lengthBytes + (key ? 4 : 0));
  header[0] =
    ((o.fin ?? true) ? FIN_BIT : 0) |
    (o.rsv1 ? RSV1_BIT : 0) |
    (o.rsv2 ? RSV2_BIT : 0) |
    (o.rsv3 ? RSV3_BIT : 0) |
    (o.opcode & OPCODE_BITS);
  header[1] = (key ? MASK_BIT : 0) | (bits === 7 ? Number(payloadLength) : bits === 16 ? LENGTH_16 : LENGTH_64);
  const view = new DataView(header.buffer);
  if (bits === 16) view.setUint16(2, Number(payloadLength));
  if (bits === 64) view.setBigUint64(2, payloadLength);
  if (key) header.set(key, 2 + lengthBytes);
  return header;
}

/** A whole frame as a client sends it: masked unless `mask: false` (RFC 6455 §5.3). */
export function clientFrame(o: ClientFrameOptions): Uint8Array {
  const payload = toBytes(o.payload ?? new Uint8Array(0));
  const key = maskingKeyFor(o.mask);
  const header = encodeHeader(o, BigInt(payload.length), key);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  // §5.3: octet i of the payload is XORed with octet i % 4 of the key.
  for (let i = 0; i < payload.length; i++) out[header.length + i] = key ? payload[i]! ^ key[i & 3]! : payload[i]!;
  return out;
}

/**
 * Only the header of a frame announcing `payloadLength` bytes (any 64-bit value, even one with the
 * top bit set that §5.2 forbids), for the size-limit cases: the payload is never sent.
 */
export function clientFrameHeader(o: FrameHeaderOptions, payloadLength: number | bigint): Uint8Array {
  return encodeHeader(o, BigInt(payloadLength), maskingKeyFor(o.mask));
}

/** The payload of a close frame: nothing, or a 2-byte code then a UTF-8 reason (RFC 6455 §5.5.1). */
export function closePayload(code?: number, reason: Uint8Array | string = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  return concatBytes(Uint8Array.of(code >> 8, code & 0xff), toBytes(reason));
}

/** Everything about a frame but its opcode and payload, for the shorthands below. */
export type FrameExtras = Omit<ClientFrameOptions, 'opcode' | 'payload'>;

export const text = (payload: Uint8Array | string, extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Text, payload });
export const binary = (payload: Uint8Array | string, extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Binary, payload });
export const continuation = (payload: Uint8Array | string, extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Continuation, payload });
export const ping = (payload: Uint8Array | string = '', extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Ping, payload });
export const pong = (payload: Uint8Array | string = '', extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Pong, payload });
export const close = (code?: number, reason: Uint8Array | string = '', extra: FrameExtras = {}): Uint8Array =>
  clientFrame({ ...extra, opcode: Opcode.Close, payload: closePayload(code, reason) });
