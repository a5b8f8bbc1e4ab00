/**
 * The connection's side of permessage-deflate (chapter 13): the handshake's agreement, and the
 * two places a message changes, on its way in and on its way out.
 *
 * A connection built without the `perMessageDeflate` option never calls this module: it declines
 * every offer by not looking at them, and its hot path carries no compression check beyond one
 * null test. With the option, the handshake asks chapter 13 for an agreement; once one is made, the
 * connection holds a {@link Compression} for its whole life.
 *
 * How a compressed message travels through the layers that were written before it:
 *
 * - in: the decoder (chapter 05) lets RSV1 through, the connection checks it is on the first
 *   frame of a data message only (RFC 7692 §6.1), and the assembler (chapter 07) gathers the
 *   compressed bytes as a binary message (they are not text yet, so no UTF-8 check on them). At the
 *   end, {@link inflateMessage} inflates within the message limit and checks the text then.
 * - out: a message of at least the threshold is compressed and its frame gets RSV1.
 *
 * Everything is synchronous (chapter 13's README says why): a message is done before the next
 * frame is read or written, so order, close and chapter 09's backpressure are untouched.
 */
import { CloseCode } from '../../core/close-code.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { FrameHeader } from '../../core/frame.ts';
import { Opcode, isControlOpcode, opcodeName } from '../../core/frame.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { Message } from '@impl/07-messages/assembler.ts';
import type { MessageDeflate } from '@impl/13-compression/message-deflate.ts';
import type { DeflateOptions } from '@impl/13-compression/negotiate.ts';
import * as layers from './layers.ts';

export type { DeflateOptions } from '@impl/13-compression/negotiate.ts';

/** What a connection that agreed to permessage-deflate holds. */
export interface Compression {
  /** The response's `Sec-WebSocket-Extensions` value. */
  readonly header: string;
  readonly deflate: MessageDeflate;
  /** The opcode (text or binary) of the compressed message being received, or null. */
  compressedOpcode: number | null;
}

/** The agreement for the client's offers in `head`, or null to decline (RFC 7692 §5). */
export function negotiateCompression(head: RequestHead, options: DeflateOptions | true): Compression | null {
  const settings = options === true ? {} : options;
  const offers = layers.parseExtensionOffers(head.headers.get('sec-websocket-extensions') ?? []);
  const agreed = layers.negotiateDeflate(offers, settings);
  if (agreed === null) return null;
  return { header: layers.formatDeflateResponse(agreed), deflate: new layers.MessageDeflate(agreed, settings), compressedOpcode: null };
}

/**
 * A frame (or streaming frame's header) with RSV1, on a connection that agreed to compression:
 * allowed only on the first frame of a data message (RFC 7692 §6.1). Returns the opcode the
 * assembler is to see: binary, since the payload is not text until inflated.
 */
export function compressedFrameOpcode(compression: Compression, frame: Pick<FrameHeader, 'opcode'>): number {
  if (isControlOpcode(frame.opcode)) {
    throw new ProtocolError(`RSV1 set on a ${opcodeName(frame.opcode)} frame: control frames are never compressed (RFC 7692 §6.1)`);
  }
  if (frame.opcode === Opcode.Continuation) {
    throw new ProtocolError('RSV1 set on a continuation frame: only the first frame of a compressed message has it (RFC 7692 §6.1)');
  }
  compression.compressedOpcode = frame.opcode;
  return Opcode.Binary;
}

/**
 * The message as the application gets it: as assembled when it was not compressed, else inflated
 * within `maxLength` bytes (1009 past it, 1007 for corrupt data) and, for text, checked as UTF-8
 * (1007, RFC 6455 §8.1).
 */
export function inflateMessage(compression: Compression, message: Message, maxLength: number): Message {
  const opcode = compression.compressedOpcode;
  if (opcode === null) return message;
  compression.compressedOpcode = null;
  const data = compression.deflate.decompress(message.data, maxLength);
  if (opcode === Opcode.Binary) return { type: 'binary', data };
  if (!layers.utf8Checks.isValid(data)) {
    throw new ProtocolError(
      `a compressed text message inflated to ${data.length} bytes that are not valid UTF-8 (RFC 6455 §8.1)`,
      CloseCode.InvalidPayload,
    );
  }
  return { type: 'text', data };
}

/** The frame for an outgoing message: compressed, with RSV1, from the threshold on (RFC 7692 §6.1). */
export function encodeMessage(compression: Compression, opcode: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length < compression.deflate.threshold) return layers.encodeFrame(opcode, payload);
  return layers.encodeFrame(opcode, compression.deflate.compress(payload), { rsv1: true });
}

