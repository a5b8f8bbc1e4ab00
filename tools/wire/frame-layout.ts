/**
 * Where each field of a frame header sits (RFC 6455 §5.2), named once for the toolkit's encoder and
 * decoder. They are written independently of the chapter's codec on purpose (see their module
 * comments), so these numbers are the RFC's, not the chapter's.
 *
 *   byte 0: FIN, RSV1, RSV2, RSV3, then the 4-bit opcode
 *   byte 1: MASK, then the 7-bit payload length (126: a 16-bit length follows, 127: a 64-bit one)
 */
export const FIN_BIT = 0x80;
export const RSV1_BIT = 0x40;
export const RSV2_BIT = 0x20;
export const RSV3_BIT = 0x10;
export const OPCODE_BITS = 0x0f;
export const MASK_BIT = 0x80;
export const LENGTH_BITS = 0x7f;
/** Payload length values that announce a 16-bit and a 64-bit extended length. */
export const LENGTH_16 = 126;
export const LENGTH_64 = 127;
export const MAX_7_BIT_LENGTH = 125;
export const MAX_16_BIT_LENGTH = 0xffff;
/** A masking key takes 4 bytes (RFC 6455 §5.3). */
export const MASK_KEY_LENGTH = 4;
