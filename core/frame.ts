/**
 * The shape of a WebSocket frame (RFC 6455 §5.2), shared by the decoder and the encoder.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * ```
 */

/** Frame opcodes (RFC 6455 §5.2, §11.8). 0x3–0x7 and 0xB–0xF are reserved. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  [Opcode.Continuation]: 'continuation',
  [Opcode.Text]: 'text',
  [Opcode.Binary]: 'binary',
  [Opcode.Close]: 'close',
  [Opcode.Ping]: 'ping',
  [Opcode.Pong]: 'pong',
};

/** `text`, `close` … or `reserved opcode 0x3`: for messages, logs and the frame lab. */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `reserved opcode 0x${opcode.toString(16)}`;
}

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** The bits of a frame's first two bytes (RFC 6455 §5.2), shared by a header and a whole frame. */
export interface FrameBits {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  readonly opcode: number;
  readonly masked: boolean;
}

/** Everything the header of a frame says, before its payload. */
export interface FrameHeader extends FrameBits {
  /** The payload length, decoded from the 7-, 16- or 64-bit field. */
  readonly payloadLength: number;
  /** The 4-byte masking key, or null for an unmasked frame. */
  readonly maskingKey: Uint8Array | null;
  /** Bytes of header before the payload: 2, +2 or +8 for the length, +4 for the key. */
  readonly headerLength: number;
}

/** A whole frame: its header's bits and its payload, already unmasked. */
export interface Frame extends FrameBits {
  readonly payload: Uint8Array;
}

/** Largest payload of a control frame (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
