/**
 * Chapter 05: encoding frames (RFC 6455 §5.2). A server's frames are never masked (§5.1).
 *
 * The header uses the minimal length encoding: 7 bits up to 125, 16 bits up to 65535, 64 bits above.
 * The payload is never copied: the encoder returns the header and the payload as two chunks, written
 * one after the other (corked) by the socket glue.
 */
import { MAX_CONTROL_PAYLOAD, isControlOpcode } from '../../core/frame.ts';
import { applyMask } from './mask.ts';

export interface EncodeOptions {
  /** Final fragment of the message (default true). */
  readonly fin?: boolean;
  /** RSV1, set by permessage-deflate on compressed messages (default false). */
  readonly rsv1?: boolean;
  /** Masks the frame with this key (clients only; tests and the frame lab use it). */
  readonly maskingKey?: Uint8Array;
}

// @remove
const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
const MASK_BIT = 0x80;
/** Largest length the 7-bit field holds itself; 126 and 127 announce a 16- or 64-bit field. */
const MAX_LENGTH_7 = 125;
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const MAX_LENGTH_16 = 0xffff;
const TWO_TO_32 = 2 ** 32;
// @end

/**
 * The header of a frame of `payloadLength` bytes: 2, 4 or 10 bytes, plus 4 for a masking key.
 * Throws RangeError for a frame no endpoint may send: an opcode outside 0–15, a length that is not
 * a whole number of bytes, a control frame that is fragmented or over 125 bytes (§5.5).
 */
export function encodeFrameHeader(opcode: number, payloadLength: number, options: EncodeOptions = {}): Uint8Array {
  // @solution encodeFrameHeader: FIN/RSV1/opcode byte, then the length in 7, 7+16 or 7+64 bits, then the key
  const fin = options.fin ?? true;
  const key = options.maskingKey;
  checkFrame(opcode, payloadLength, fin, key);

  // 1. How many bytes the length takes: the smallest field that holds it (§5.2 "minimal number").
  const extendedLengthBytes = payloadLength <= MAX_LENGTH_7 ? 0 : payloadLength <= MAX_LENGTH_16 ? 2 : 8;
  const header = new Uint8Array(2 + extendedLengthBytes + (key === undefined ? 0 : key.length));

  // 2. Byte 0: FIN, RSV1, opcode. Byte 1: MASK and the 7-bit length (or 126/127).
  header[0] = (fin ? FIN_BIT : 0) | (options.rsv1 === true ? RSV1_BIT : 0) | opcode;
  const length7 = extendedLengthBytes === 0 ? payloadLength : extendedLengthBytes === 2 ? LENGTH_16 : LENGTH_64;
  header[1] = (key === undefined ? 0 : MASK_BIT) | length7;

  // 3. The extended length in network byte order (big-endian, DataView's default).
  if (extendedLengthBytes === 2) {
    header[2] = payloadLength >>> 8;
    header[3] = payloadLength & 0xff;
  } else if (extendedLengthBytes === 8) {
    const view = new DataView(header.buffer);
    view.setUint32(2, Math.floor(payloadLength / TWO_TO_32));
    view.setUint32(6, payloadLength % TWO_TO_32);
  }

  // 4. The masking key, if any.
  if (key !== undefined) header.set(key, 2 + extendedLengthBytes);
  return header;
  // @end
}

/**
 * A whole frame as `[header, payload]`, the payload not copied (unless it must be masked, which
 * masks a copy so the caller's bytes are untouched).
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options: EncodeOptions = {}): Uint8Array[] {
  // @solution encodeFrame: the header from encodeFrameHeader, then the payload (a masked copy if a key is given)
  const header = encodeFrameHeader(opcode, payload.length, options);
  if (options.maskingKey === undefined) return [header, payload];
  // A copy made by the Uint8Array constructor: a Node Buffer's slice() is a view of the same bytes.
  const masked = new Uint8Array(payload);
  applyMask(masked, options.maskingKey);
  return [header, masked];
  // @end
}

// @remove
function checkFrame(opcode: number, payloadLength: number, fin: boolean, key: Uint8Array | undefined): void {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xf) {
    throw new RangeError(`opcode ${opcode} does not fit the 4-bit opcode field (RFC 6455 §5.2)`);
  }
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`payload length ${payloadLength} is not a byte count`);
  }
  if (isControlOpcode(opcode) && payloadLength > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(
      `a control frame carries at most ${MAX_CONTROL_PAYLOAD} bytes, not ${payloadLength} (RFC 6455 §5.5)`,
    );
  }
  if (isControlOpcode(opcode) && !fin) {
    throw new RangeError('a control frame cannot be fragmented: FIN must be set (RFC 6455 §5.5)');
  }
  if (key !== undefined && key.length !== 4) {
    throw new RangeError(`a masking key is 4 bytes, not ${key.length} (RFC 6455 §5.3)`);
  }
}
// @end
