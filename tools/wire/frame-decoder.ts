/**
 * Frames as a client reads them off the wire (RFC 6455 §5.2), decoded here on their own: a test
 * never asks the code under test what the server said.
 *
 * {@link parseFrame} looks at the start of some bytes and either returns one whole frame and its size,
 * or says how far a frame got (its header is incomplete, or its payload is), consuming nothing: the
 * caller keeps the bytes and asks again when more arrive. Only a complete frame's payload is copied
 * (and unmasked, if a mask was set), so waiting for a 16 MiB frame costs one header parse per chunk.
 *
 * The reader is lenient, so a test can see and judge a masked or reserved frame itself;
 * {@link serverFrameViolation} is the strict check of what §5 allows a server to send.
 */
import { Opcode } from '../../core/frame.ts';
import { FIN_BIT, LENGTH_16, LENGTH_64, LENGTH_BITS, MASK_BIT, OPCODE_BITS, RSV1_BIT, RSV2_BIT, RSV3_BIT } from './frame-layout.ts';

/** What a frame header says. */
export interface FrameHeaderRead {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskingKey: Uint8Array | null;
  payloadLength: number;
  /** 2, +2 or +8 for the length, +4 for the key. */
  headerLength: number;
}

/** A whole frame as read. */
export interface FrameRead extends FrameHeaderRead {
  /** The header bytes as they came on the wire. */
  header: Uint8Array;
  /** Unmasked. */
  payload: Uint8Array;
  /** A close frame's status code, when it has one. */
  closeCode?: number;
  /** A close frame's reason (UTF-8 decoded, lenient). */
  closeReason?: string;
}

export type FrameParse =
  | { kind: 'frame'; frame: FrameRead; size: number }
  /** Fewer bytes than the header needs (at least 2; more once the length byte is known). */
  | { kind: 'partial-header'; received: number; needed: number }
  /** The header is whole, the payload is not. */
  | { kind: 'partial-payload'; header: FrameHeaderRead; received: number }
  /** A 64-bit length above 2^53 (or with the top bit set, §5.2): no test sends one, none is read. */
  | { kind: 'too-long'; declaredLength: bigint };

/** Reads one frame at the start of `bytes`; see the module comment. */
export function parseFrame(bytes: Uint8Array): FrameParse {
  // 1. The fixed two bytes, then the header's full length from the length and mask bits.
  if (bytes.length < 2) return { kind: 'partial-header', received: bytes.length, needed: 2 };
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const masked = (b1 & MASK_BIT) !== 0;
  const length7 = b1 & LENGTH_BITS;
  const lengthEnd = length7 === LENGTH_16 ? 4 : length7 === LENGTH_64 ? 10 : 2;
  const headerLength = lengthEnd + (masked ? 4 : 0);
  if (bytes.length < headerLength) return { kind: 'partial-header', received: bytes.length, needed: headerLength };

  // 2. The payload length in network byte order.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let payloadLength = length7;
  if (length7 === LENGTH_16) payloadLength = view.getUint16(2);
  else if (length7 === LENGTH_64) {
    const declaredLength = view.getBigUint64(2);
    if (declaredLength > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: 'too-long', declaredLength };
    payloadLength = Number(declaredLength);
  }
  const header: FrameHeaderRead = {
    fin: (b0 & FIN_BIT) !== 0,
    rsv1: (b0 & RSV1_BIT) !== 0,
    rsv2: (b0 & RSV2_BIT) !== 0,
    rsv3: (b0 & RSV3_BIT) !== 0,
    opcode: b0 & OPCODE_BITS,
    masked,
    maskingKey: masked ? bytes.slice(lengthEnd, lengthEnd + 4) : null,
    payloadLength,
    headerLength,
  };

  // 3. The payload, once all of it is there: copied, and unmasked (§5.3).
  const size = headerLength + payloadLength;
  if (bytes.length < size) return { kind: 'partial-payload', header, received: bytes.length - headerLength };
  const payload = bytes.slice(headerLength, size);
  const key = header.maskingKey;
  if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  const frame: FrameRead = { ...header, header: bytes.slice(0, headerLength), payload };
  if (frame.opcode === Opcode.Close && payload.length >= 2) {
    frame.closeCode = (payload[0]! << 8) | payload[1]!;
    frame.closeReason = new TextDecoder().decode(payload.subarray(2));
  }
  return { kind: 'frame', frame, size };
}

const KNOWN_OPCODES = new Set<number>(Object.values(Opcode));

/**
 * What is wrong with a frame a server sent (RFC 6455 §5), or null when it is a valid one. `rsv1`:
 * permessage-deflate was negotiated, so RSV1 may be set on the first frame of a data message
 * (RFC 7692 §6.1).
 */
export function serverFrameViolation(frame: FrameHeaderRead, extensions: { readonly rsv1?: boolean } = {}): string | null {
  if (frame.masked) return 'the server sent a masked frame (RFC 6455 §5.1: a server MUST NOT mask)';
  if (frame.rsv1 && extensions.rsv1 === true) {
    if (frame.opcode >= 0x8) return 'the server set RSV1 on a control frame: only data messages are compressed (RFC 7692 §6.1)';
    if (frame.opcode === 0x0) return 'the server set RSV1 on a continuation frame: only a message\'s first frame has it (RFC 7692 §6.1)';
    if (frame.rsv2 || frame.rsv3) return 'the server set RSV2 or RSV3, which no negotiated extension defines (RFC 6455 §5.2)';
  } else if (frame.rsv1 || frame.rsv2 || frame.rsv3) return 'the server set RSV bits without a negotiated extension (RFC 6455 §5.2)';
  if (!KNOWN_OPCODES.has(frame.opcode)) return `the server used reserved opcode 0x${frame.opcode.toString(16)} (RFC 6455 §5.2)`;
  return null;
}

/** The server broke RFC 6455 §5 in a frame it sent. */
export class ServerFrameError extends Error {
  override name = 'ServerFrameError';
}
