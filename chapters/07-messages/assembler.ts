/**
 * Chapter 07: reassembling fragmented messages (RFC 6455 §5.4) and checking text as it arrives.
 *
 * A message is one data frame with FIN set, or a text/binary frame with FIN clear followed by
 * continuation frames, the last with FIN set. Control frames may come between fragments; they never
 * reach the assembler (the connection answers them at once). The size limit applies to the whole
 * message across its fragments (1009), and text is validated fragment by fragment (1007 fails fast).
 *
 * ```
 *  01 03 48 65 6c   text, FIN clear   "Hel"  → null  (message started)
 *  89 00            ping              (answered by the connection, never seen here)
 *  80 02 6c 6f      continuation, FIN "lo"   → { type: 'text', data: 'Hello' }
 * ```
 *
 * Fragments are kept in a ByteQueue (chapter 02) and joined once, when the final one arrives:
 * appending each fragment to a growing buffer would copy the message over and over (O(n²) for n
 * fragments). Text is decoded once at the end too; the validator has already proven it well-formed.
 */
import { ProtocolError, todo } from '../../core/errors.ts';
import { CloseCode } from '../../core/close-code.ts';
import { ByteQueue } from '../02-http-head/byte-queue.ts';
import type { Frame } from '../../core/frame.ts';
import { Opcode } from '../../core/frame.ts';
import { Utf8Validator } from './utf8.ts';

/** A complete message. */
export type Message =
  | { readonly type: 'text'; readonly data: string }
  | { readonly type: 'binary'; readonly data: Uint8Array };

export interface AssemblerOptions {
  /** Largest message in bytes, across all its fragments (default 64 MiB) → 1009. */
  readonly maxMessageLength?: number;
}

/** Default largest message: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;

/** Turns a connection's data frames into messages. One instance per connection. */
export class MessageAssembler {
  constructor(readonly options: AssemblerOptions = {}) {}

  /**
   * Takes the next data frame (text, binary or continuation) and returns the message it completes,
   * or null while the message is unfinished. Throws {@link ProtocolError}: 1002 for a continuation
   * with nothing to continue or a new message inside an unfinished one, 1007 for invalid UTF-8 (as
   * soon as the fragment shows it), 1009 past `maxMessageLength`.
   */
  push(frame: Frame): Message | null {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.push: start, continue or finish a message; validate text fragment by fragment');
  }

  /** Whether a fragmented message is in progress. */
  get inProgress(): boolean {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.inProgress: true between a first fragment and its final one');
  }

  /**
   * Payload bytes of the message in progress received so far (0 between messages). The connection
   * asks it before decoding the next frame, so a continuation that claims more than the message
   * has left is refused from its header (1009), before its payload is buffered.
   */
  get bufferedLength(): number {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.bufferedLength: the bytes of the fragments kept so far, 0 between messages');
  }
}
