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
import { ProtocolError } from '../../core/errors.ts';
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
// @remove

/**
 * Decodes validated text. `ignoreBOM: true` keeps a leading U+FEFF in the message: by default a
 * TextDecoder strips it, and an echo would then differ from what the client sent.
 */
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** The message being assembled: its type, its fragments so far, and (for text) the validator. */
interface MessageInProgress {
  readonly type: 'text' | 'binary';
  readonly fragments: ByteQueue;
  readonly utf8: Utf8Validator | null;
}
// @end

/** Turns a connection's data frames into messages. One instance per connection. */
export class MessageAssembler {
  // @remove
  private current: MessageInProgress | null = null;
  // @end

  constructor(readonly options: AssemblerOptions = {}) {}

  /**
   * Takes the next data frame (text, binary or continuation) and returns the message it completes,
   * or null while the message is unfinished. Throws {@link ProtocolError}: 1002 for a continuation
   * with nothing to continue or a new message inside an unfinished one, 1007 for invalid UTF-8 (as
   * soon as the fragment shows it), 1009 past `maxMessageLength`.
   */
  push(frame: Frame): Message | null {
    // @solution MessageAssembler.push: start, continue or finish a message; validate text fragment by fragment
    // 1. Start a message, or continue the one in progress (RFC 6455 §5.4).
    let message: MessageInProgress;
    if (frame.opcode === Opcode.Continuation) {
      if (this.current === null) throw new ProtocolError('continuation frame with no message to continue');
      message = this.current;
    } else if (frame.opcode === Opcode.Text || frame.opcode === Opcode.Binary) {
      if (this.current !== null) {
        this.current = null;
        throw new ProtocolError('new data frame inside an unfinished fragmented message');
      }
      const type = frame.opcode === Opcode.Text ? 'text' : 'binary';
      message = { type, fragments: new ByteQueue(), utf8: type === 'text' ? new Utf8Validator() : null };
      this.current = message;
    } else {
      throw new Error(`the assembler takes data frames only, not opcode ${frame.opcode}`);
    }

    // 2. The limit is on the whole message: check it now that this fragment's length is known.
    const max = this.options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    if (message.fragments.length + frame.payload.length > max) {
      this.current = null;
      throw new ProtocolError(`message of more than ${max} bytes`, CloseCode.MessageTooBig);
    }

    // 3. Fail fast on invalid text (§8.1): this fragment, not the end of the message, decides.
    if (message.utf8 !== null && !message.utf8.push(frame.payload)) {
      this.current = null;
      throw new ProtocolError('invalid UTF-8 in a text message', CloseCode.InvalidPayload);
    }
    message.fragments.push(frame.payload);
    if (!frame.fin) return null;

    // 4. The final fragment: the message must not end inside a code point; join once, decode once.
    this.current = null;
    if (message.utf8 !== null && !message.utf8.end()) {
      throw new ProtocolError('text message ends inside a UTF-8 sequence', CloseCode.InvalidPayload);
    }
    const data = message.fragments.consume(message.fragments.length);
    return message.type === 'text' ? { type: 'text', data: textDecoder.decode(data) } : { type: 'binary', data };
    // @end
  }

  /** Whether a fragmented message is in progress. */
  get inProgress(): boolean {
    // @solution MessageAssembler.inProgress: true between a first fragment and its final one
    return this.current !== null;
    // @end
  }

  /**
   * Payload bytes of the message in progress received so far (0 between messages). The connection
   * asks it before decoding the next frame, so a continuation that claims more than the message
   * has left is refused from its header (1009), before its payload is buffered.
   */
  get bufferedLength(): number {
    // @solution MessageAssembler.bufferedLength: the bytes of the fragments kept so far, 0 between messages
    return this.current?.fragments.length ?? 0;
    // @end
  }
}
