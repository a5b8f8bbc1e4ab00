/**
 * Chapter 05: decoding client frames (RFC 6455 §5.2), incrementally, from the connection's queue.
 *
 * The decoder looks at the queue without consuming anything until a whole frame is there: it reads
 * the 2 fixed header bytes, then the extended length and the masking key if the header says so, and
 * only when header and payload are complete does it consume them. A frame split at any byte
 * boundary therefore decodes exactly like one that arrived in one piece.
 *
 * Every rule a server must enforce on a client frame is checked the moment the header reveals it,
 * before any payload is buffered: a frame that claims 2^40 bytes is refused (1009) from its header.
 */
import type { ByteQueue } from '../02-http-head/byte-queue.ts';
import { ProtocolError } from '../../core/errors.ts';
import { CloseCode } from '../../core/close-code.ts';
import type { Frame, FrameHeader } from '../../core/frame.ts';
import { MAX_CONTROL_PAYLOAD, Opcode, isControlOpcode, opcodeName } from '../../core/frame.ts';
import { applyMask } from './mask.ts';

export interface DecodeOptions {
  /** Largest payload accepted in one frame, in bytes (default 64 MiB) → 1009. */
  readonly maxPayloadLength?: number;
  /** Whether frames must be masked (default true: every client frame is, RFC 6455 §5.1). */
  readonly requireMask?: boolean;
  /** Reserved bits an extension has given a meaning (default none: any set bit is 1002, §5.2). */
  readonly allowedRsv?: { readonly rsv1?: boolean };
  /** How to unmask a payload in place (default {@link applyMask}; chapter 11 offers a faster one). */
  readonly unmask?: (data: Uint8Array, maskingKey: Uint8Array) => void;
}

/** Default largest payload: 64 MiB. */
export const DEFAULT_MAX_PAYLOAD_LENGTH = 64 * 1024 * 1024;

// @remove
// Bits of byte 0 and byte 1 of every frame header (RFC 6455 §5.2).
const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
const RSV2_BIT = 0x20;
const RSV3_BIT = 0x10;
const OPCODE_BITS = 0x0f;
const MASK_BIT = 0x80;
const LENGTH_BITS = 0x7f;
/** A 7-bit length of 126 means "the length is in the next 2 bytes", 127 "in the next 8". */
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const MASKING_KEY_LENGTH = 4;
/** 2^32, to join the two 32-bit halves of a 64-bit length. */
const TWO_TO_32 = 2 ** 32;
/** The largest high half whose length still fits in a safe integer (2^53 − 1). */
const MAX_SAFE_HIGH = Math.floor(Number.MAX_SAFE_INTEGER / TWO_TO_32);
// @end

/**
 * Reads the next frame's header without consuming anything: null while the header is incomplete.
 * Throws {@link ProtocolError} (1002, or 1009 for a payload over the limit) for a header a server
 * must refuse: reserved bits without an extension, a reserved opcode, a control frame that is
 * fragmented or longer than 125 bytes, an unmasked frame, a 64-bit length with its top bit set.
 * Each rule is checked as soon as the bytes it needs are there. A length that is not in its minimal
 * encoding is accepted, by choice: §5.2 makes the minimal one the sender's duty and does not say
 * what a receiver does with another, and such a length is still exact.
 */
export function decodeFrameHeader(queue: ByteQueue, options: DecodeOptions = {}): FrameHeader | null {
  // @solution decodeFrameHeader: read byte 0 (FIN, RSV, opcode) and byte 1 (MASK, length), then the extended length and the key
  // 1. Byte 0: FIN, RSV1–3, opcode. Everything wrong with it is known already.
  if (queue.length < 1) return null;
  const byte0 = queue.byteAt(0);
  const fin = (byte0 & FIN_BIT) !== 0;
  const rsv1 = (byte0 & RSV1_BIT) !== 0;
  const rsv2 = (byte0 & RSV2_BIT) !== 0;
  const rsv3 = (byte0 & RSV3_BIT) !== 0;
  const opcode = byte0 & OPCODE_BITS;
  checkReservedBits(rsv1 && options.allowedRsv?.rsv1 !== true, rsv2, rsv3);
  if (!isKnownOpcode(opcode)) {
    throw new ProtocolError(
      `reserved opcode 0x${opcode.toString(16)}: opcodes 0x3–0x7 and 0xB–0xF are reserved for future use (RFC 6455 §5.2)`,
    );
  }
  if (isControlOpcode(opcode) && !fin) {
    // RFC 6455 §5.5: control frames MUST NOT be fragmented.
    throw new ProtocolError(
      `control frame (${opcodeName(opcode)}) with FIN clear: control frames must not be fragmented (RFC 6455 §5.5)`,
    );
  }

  // 2. Byte 1: MASK and the 7-bit length, which says how long the rest of the header is.
  if (queue.length < 2) return null;
  const byte1 = queue.byteAt(1);
  const masked = (byte1 & MASK_BIT) !== 0;
  if (!masked && options.requireMask !== false) {
    // RFC 6455 §5.1: a client MUST mask every frame; a server MUST close on an unmasked one.
    throw new ProtocolError(
      `unmasked ${opcodeName(opcode)} frame from the client: a client masks every frame it sends (RFC 6455 §5.1)`,
    );
  }
  const length7 = byte1 & LENGTH_BITS;
  const extendedLengthBytes = length7 === LENGTH_16 ? 2 : length7 === LENGTH_64 ? 8 : 0;
  const headerLength = 2 + extendedLengthBytes + (masked ? MASKING_KEY_LENGTH : 0);

  // 3. The rest of the header: the extended length (network byte order) and the masking key, read
  //    byte by byte where they lie (no view of the queue, no copy of it).
  if (queue.length < headerLength) return null;
  let payloadLength = length7;
  if (length7 === LENGTH_16) {
    payloadLength = (queue.byteAt(2) << 8) | queue.byteAt(3);
  } else if (length7 === LENGTH_64) {
    payloadLength = readLength64(queue, opcode, options);
  }

  // 4. The limits, decided before a single payload byte is buffered.
  if (isControlOpcode(opcode) && payloadLength > MAX_CONTROL_PAYLOAD) {
    throw new ProtocolError(
      `control frame (${opcodeName(opcode)}) with a payload of ${payloadLength} bytes: ` +
        `control frames carry at most ${MAX_CONTROL_PAYLOAD} (RFC 6455 §5.5)`,
    );
  }
  const maxPayloadLength = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD_LENGTH;
  if (payloadLength > maxPayloadLength) throw tooBig(opcode, String(payloadLength), maxPayloadLength);

  // The key is 4 bytes of the frame's own: the queue's memory is not the frame's to keep.
  const maskingKey = masked ? readMaskingKey(queue, headerLength - MASKING_KEY_LENGTH) : null;
  return { fin, rsv1, rsv2, rsv3, opcode, masked, payloadLength, maskingKey, headerLength };
  // @end
}

/**
 * Decodes and consumes the next whole frame, its payload unmasked; null (consuming nothing) until
 * all of its bytes have arrived. Throws like {@link decodeFrameHeader}.
 */
export function decodeFrame(queue: ByteQueue, options: DecodeOptions = {}): Frame | null {
  // @solution decodeFrame: wait for header + payload, consume both, unmask the payload
  const header = decodeFrameHeader(queue, options);
  if (header === null) return null;
  // Nothing is consumed until the whole frame is here: the next call starts from the same byte 0.
  if (queue.length < header.headerLength + header.payloadLength) return null;
  // Header and payload are consumed at once: a view into the socket's chunk when the frame sits in
  // one, and the queue's bytes are ours to unmask in place.
  const payload = queue.consume(header.headerLength + header.payloadLength).subarray(header.headerLength);
  if (header.maskingKey !== null) (options.unmask ?? applyMask)(payload, header.maskingKey);
  const { fin, rsv1, rsv2, rsv3, opcode, masked } = header;
  return { fin, rsv1, rsv2, rsv3, opcode, masked, payload };
  // @end
}

// @remove
function checkReservedBits(rsv1: boolean, rsv2: boolean, rsv3: boolean): void {
  // The common case first: no bit set, nothing to build (this runs once per frame).
  if (!rsv1 && !rsv2 && !rsv3) return;
  const set = [rsv1 && 'RSV1', rsv2 && 'RSV2', rsv3 && 'RSV3'].filter((name) => name !== false);
  if (set.length === 0) return;
  // RFC 6455 §5.2: a nonzero reserved bit that no negotiated extension defines fails the connection.
  throw new ProtocolError(
    `reserved bit${set.length > 1 ? 's' : ''} ${set.join(', ')} set, but no negotiated extension ` +
      `gives ${set.length > 1 ? 'them' : 'it'} a meaning (RFC 6455 §5.2)`,
  );
}

/** The 64-bit length at bytes 2–9, read as two 32-bit halves (a JavaScript number holds 53 bits exactly). */
function readLength64(queue: ByteQueue, opcode: number, options: DecodeOptions): number {
  const high = readUint32(queue, 2);
  const low = readUint32(queue, 6);
  if (high >= 0x8000_0000) {
    // RFC 6455 §5.2: "the most significant bit MUST be 0".
    throw new ProtocolError(
      `64-bit payload length with its most significant bit set (0x${high.toString(16)}${low.toString(16).padStart(8, '0')}): ` +
        `that bit must be 0 (RFC 6455 §5.2)`,
    );
  }
  if (high > MAX_SAFE_HIGH) {
    // Beyond 2^53 − 1 the number would be rounded; it is beyond any limit anyway.
    throw tooBig(opcode, `more than ${Number.MAX_SAFE_INTEGER}`, options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD_LENGTH);
  }
  return high * TWO_TO_32 + low;
}

/** The 4 bytes at `at`, most significant first (network byte order), as an unsigned number. */
function readUint32(queue: ByteQueue, at: number): number {
  return ((queue.byteAt(at) << 24) | (queue.byteAt(at + 1) << 16) | (queue.byteAt(at + 2) << 8) | queue.byteAt(at + 3)) >>> 0;
}

/** A copy of the 4 key bytes at `at`. */
function readMaskingKey(queue: ByteQueue, at: number): Uint8Array {
  const key = new Uint8Array(MASKING_KEY_LENGTH);
  for (let i = 0; i < MASKING_KEY_LENGTH; i++) key[i] = queue.byteAt(at + i);
  return key;
}

function tooBig(opcode: number, length: string, limit: number): ProtocolError {
  return new ProtocolError(
    `${opcodeName(opcode)} frame with a payload of ${length} bytes: over this server's limit of ${limit} ` +
      `(RFC 6455 §7.4.1, 1009 "message too big")`,
    CloseCode.MessageTooBig,
  );
}

/** Continuation, text and binary (0x0–0x2); close, ping and pong (0x8–0xA). */
function isKnownOpcode(opcode: number): boolean {
  return opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
}

// @end
