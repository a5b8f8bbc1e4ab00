/**
 * What a test expects of the server's next frame, checked the moment its header is whole.
 *
 * A read that knows what it waits for ("a text frame of 126 bytes", "a close frame") does not have to
 * wait for the payload, or for a timeout, to know it will not get it: two to fourteen header bytes
 * already say the opcode, the flags and the length. {@link headerMismatch} says why a header cannot
 * start the expected frame, so the read fails at once with that reason, and a server that wrote a
 * wrong length (and would leave the reader waiting for payload bytes that never come) is caught
 * by the first bytes it sent.
 */
import { describeOpcode } from './describe.ts';
import type { FrameHeaderRead } from './frame-decoder.ts';
import { serverFrameViolation } from './frame-decoder.ts';
import { MASK_KEY_LENGTH, MAX_16_BIT_LENGTH, MAX_7_BIT_LENGTH } from './frame-layout.ts';

export interface FrameExpectation {
  /** The frame in words, for the failure message: `the 126-byte text message echoed (RFC 6455 §5.6)`. */
  expected: string;
  /** The opcodes the frame may have. */
  opcodes?: readonly number[];
  /** The exact payload length. */
  payloadLength?: number;
  /** The largest payload length the test could ever get. */
  maxPayloadLength?: number;
  /** The FIN bit it must have. */
  fin?: boolean;
}

/** How many bytes the header spends on an extended length: 0, 2 or 8. */
function extendedLengthBytes(header: FrameHeaderRead): number {
  return header.headerLength - 2 - (header.masked ? MASK_KEY_LENGTH : 0);
}

/** The 16-bit value with its two bytes swapped. */
function swap16(value: number): number {
  return ((value & 0xff) << 8) | (value >> 8);
}

/** What is wrong with how a header encodes its length (RFC 6455 §5.2: the minimal number of bytes), or null. */
export function lengthEncodingViolation(header: FrameHeaderRead): string | null {
  const extended = extendedLengthBytes(header);
  if (extended === 2 && header.payloadLength <= MAX_7_BIT_LENGTH) {
    return `its 16-bit extended length is ${header.payloadLength}, which belongs in the 7-bit field: the minimal encoding MUST be used (RFC 6455 §5.2)`;
  }
  if (extended === 8 && header.payloadLength <= MAX_16_BIT_LENGTH) {
    return `its 64-bit extended length is ${header.payloadLength}, which fits in 16 bits: the minimal encoding MUST be used (RFC 6455 §5.2)`;
  }
  return null;
}

/** A hint when a 16-bit length is the expected one with its bytes swapped: written little-endian. */
function byteOrderHint(header: FrameHeaderRead, expectedLength: number): string {
  if (extendedLengthBytes(header) !== 2 || swap16(header.payloadLength) !== expectedLength) return '';
  return (
    `; ${header.payloadLength} is 0x${header.payloadLength.toString(16).padStart(4, '0')}, and ${expectedLength} is ` +
    `0x${expectedLength.toString(16).padStart(4, '0')}: the two length bytes are swapped, and the extended ` +
    'length is written most significant byte first (network byte order, RFC 6455 §5.2)'
  );
}

/** `0x1 (text) or 0x2 (binary)`. */
export function opcodeList(opcodes: readonly number[]): string {
  return opcodes.map(describeOpcode).join(' or ');
}

/** Why `header` cannot start the frame `expectation` describes, or null when it may. */
export function headerMismatch(header: FrameHeaderRead, expectation: FrameExpectation): string | null {
  const violation = serverFrameViolation(header);
  if (violation) return violation;
  const { opcodes, payloadLength, maxPayloadLength, fin } = expectation;
  if (opcodes && !opcodes.includes(header.opcode)) {
    return `its opcode is ${describeOpcode(header.opcode)}, expected ${opcodeList(opcodes)} (RFC 6455 §5.2, §11.8)`;
  }
  if (payloadLength !== undefined && header.payloadLength !== payloadLength) {
    return `its header announces ${header.payloadLength} payload bytes, expected ${payloadLength} (RFC 6455 §5.2)${byteOrderHint(header, payloadLength)}`;
  }
  if (maxPayloadLength !== undefined && header.payloadLength > maxPayloadLength) {
    return `its header announces ${header.payloadLength} payload bytes, more than the ${maxPayloadLength} this answer can have (RFC 6455 §5.2)`;
  }
  const encoding = lengthEncodingViolation(header);
  if (encoding) return encoding;
  if (fin !== undefined && header.fin !== fin) {
    return `its FIN bit is ${+header.fin}, expected ${+fin} (RFC 6455 §5.2, §5.4)`;
  }
  return null;
}
