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
import { ProtocolError, todo } from '../../core/errors.ts';
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
  // TODO (see the chapter's README)
  return todo('chapters/05-frames/decode.ts', 'decodeFrameHeader: read byte 0 (FIN, RSV, opcode) and byte 1 (MASK, length), then the extended length and the key');
}

/**
 * Decodes and consumes the next whole frame, its payload unmasked; null (consuming nothing) until
 * all of its bytes have arrived. Throws like {@link decodeFrameHeader}.
 */
export function decodeFrame(queue: ByteQueue, options: DecodeOptions = {}): Frame | null {
  // TODO (see the chapter's README)
  return todo('chapters/05-frames/decode.ts', 'decodeFrame: wait for header + payload, consume both, unmask the payload');
}
