/**
 * Chapter 14: frames from the client's side (RFC 6455 §5.1, §5.3, §10.3).
 *
 * The frame format is the same in both directions; only the masking rule is reversed. A client
 * masks every frame it sends, with a new key for each frame, drawn from a strong random source.
 * The server sends unmasked frames, and a client that receives a masked one must fail the
 * connection (§5.1). So the codec is chapter 05's, unchanged: {@link encodeClientFrame} gives
 * `encodeFrame` a fresh `maskingKey`, and the decoder is told `requireMask: false` while
 * {@link checkServerFrame} refuses what a server must not send.
 *
 * Why masking, and why fresh keys (§10.3): the client's bytes are chosen by a script the user
 * did not write. Without masking, that script could send a frame that looks like an HTTP request to
 * a transparent proxy on the path and poison its cache. With a key the script cannot predict, it
 * cannot choose the bytes that go on the wire. A fixed or guessable key would undo that.
 */
import { ProtocolError, todo } from '../../core/errors.ts';
import type { FrameHeader } from '../../core/frame.ts';
import { opcodeName } from '../../core/frame.ts';
import type { EncodeOptions } from '../05-frames/encode.ts';
import { encodeFrame } from '../05-frames/encode.ts';

/** Bytes of a masking key (RFC 6455 §5.3). */
export const MASKING_KEY_BYTES = 4;

/** A fresh 4-byte masking key from the platform's CSPRNG (`crypto.getRandomValues`, §5.3, §10.3). */
export function newMaskingKey(): Uint8Array {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-frames.ts', 'newMaskingKey: 4 bytes from crypto.getRandomValues, new ones on every call');
}

/**
 * A client frame as `[header, masked payload]`: chapter 05's `encodeFrame` with a fresh key from
 * {@link newMaskingKey}. The caller's payload is not modified. `options.fin` and `options.rsv1`
 * pass through; a `maskingKey` in `options` is ignored, since every frame gets a new one.
 */
export function encodeClientFrame(opcode: number, payload: Uint8Array, options: Omit<EncodeOptions, 'maskingKey'> = {}): Uint8Array[] {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-frames.ts', 'encodeClientFrame: encodeFrame with a new masking key for this frame');
}

/**
 * Throws {@link ProtocolError} (1002) for a frame header a server must not send: a masked frame
 * (RFC 6455 §5.1: "a client MUST close a connection if it detects a masked frame"). Chapter 05's
 * decoder has already checked everything the two directions share.
 */
export function checkServerFrame(header: FrameHeader): void {
  // TODO (see the chapter's README)
  return todo('chapters/14-client/client-frames.ts', 'checkServerFrame: a masked frame from the server fails the connection with 1002');
}
