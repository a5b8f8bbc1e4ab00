/**
 * Chapter 05: encoding frames (RFC 6455 §5.2). A server's frames are never masked (§5.1).
 *
 * The header uses the minimal length encoding: 7 bits up to 125, 16 bits up to 65535, 64 bits above.
 * The payload is never copied: the encoder returns the header and the payload as two chunks, written
 * one after the other (corked) by the socket glue.
 */
import { MAX_CONTROL_PAYLOAD, isControlOpcode } from '../../core/frame.ts';
import { applyMask } from './mask.ts';
import { todo } from '../../core/errors.ts';

export interface EncodeOptions {
  /** Final fragment of the message (default true). */
  readonly fin?: boolean;
  /** RSV1, set by permessage-deflate on compressed messages (default false). */
  readonly rsv1?: boolean;
  /** Masks the frame with this key (clients only; tests and the frame lab use it). */
  readonly maskingKey?: Uint8Array;
}

/**
 * The header of a frame of `payloadLength` bytes: 2, 4 or 10 bytes, plus 4 for a masking key.
 * Throws RangeError for a frame no endpoint may send: an opcode outside 0–15, a length that is not
 * a whole number of bytes, a control frame that is fragmented or over 125 bytes (§5.5).
 */
export function encodeFrameHeader(opcode: number, payloadLength: number, options: EncodeOptions = {}): Uint8Array {
  // TODO (see the chapter's README)
  return todo('chapters/05-frames/encode.ts', 'encodeFrameHeader: FIN/RSV1/opcode byte, then the length in 7, 7+16 or 7+64 bits, then the key');
}

/**
 * A whole frame as `[header, payload]`, the payload not copied (unless it must be masked, which
 * masks a copy so the caller's bytes are untouched).
 */
export function encodeFrame(opcode: number, payload: Uint8Array, options: EncodeOptions = {}): Uint8Array[] {
  // TODO (see the chapter's README)
  return todo('chapters/05-frames/encode.ts', 'encodeFrame: the header from encodeFrameHeader, then the payload (a masked copy if a key is given)');
}
