/**
 * Chapter 07: reassembling fragmented messages (RFC 6455 §5.4) and checking text as it arrives.
 *
 * A message is one data frame with FIN set, or a text/binary frame with FIN clear followed by
 * continuation frames, the last with FIN set. Control frames may come between fragments; they never
 * reach the assembler (the connection answers them at once). The size limit applies to the whole
 * message across its fragments (1009), the number of fragments is limited too (1008), and text is
 * validated fragment by fragment (1007 fails fast).
 *
 * ```
 *  01 03 48 65 6c   text, FIN clear   "Hel"  → null  (message started)
 *  89 00            ping              (answered by the connection, never seen here)
 *  80 02 6c 6f      continuation, FIN "lo"   → { type: 'text', data: 48 65 6c 6c 6f }
 * ```
 *
 * A frame usually comes whole (`push`). A frame larger than what has arrived comes in pieces instead:
 * the connection calls `startFrame` from its header, `pushPayload` for each piece as it arrives and
 * `endFrame` at its end, so that text is checked as its bytes come (a 1 MiB frame whose first
 * bytes are invalid fails with 1007 before the rest arrives) and the bytes are copied into one buffer
 * as they come. `push` is those three calls, with a shortcut.
 *
 * A message whose bytes sit in one piece is passed on as that piece, without a copy. One that came
 * in pieces (fragments, or one large frame read chunk by chunk) is kept in parts and copied once,
 * at the end, into one buffer of its exact size (O(n) in all, not the O(n²) of growing a buffer by
 * each piece): large pieces stay the views they came as, small ones are gathered into blocks
 * that double in size, so the memory held stays within about twice the bytes received whatever
 * the number of fragments or the length a header announces, and no small fragment keeps the
 * socket chunk it came in alive.
 *
 * A text message is passed on as its bytes too, proven valid UTF-8. Turning them into a string is
 * the application layer's choice (chapter 10): an echo or a relay sends the bytes back as they came,
 * and decoding non-ASCII text costs many times what validating it does.
 */
import { ProtocolError, todo } from '../../core/errors.ts';
import { CloseCode } from '../../core/close-code.ts';
import type { Frame } from '../../core/frame.ts';
import { Opcode } from '../../core/frame.ts';
import { Utf8Validator, isValidUtf8 } from './utf8.ts';

/**
 * A complete message: its payload, all fragments joined. For text, bytes that are valid UTF-8
 * (checked here); the application layer decodes them.
 */
export interface Message {
  readonly type: 'text' | 'binary';
  readonly data: Uint8Array;
}

/** A UTF-8 validator fed in pieces: chapter 07's {@link Utf8Validator}, or chapter 11's faster one. */
export interface IncrementalUtf8Validator {
  /** False as soon as the bytes so far cannot begin valid UTF-8. */
  push(bytes: Uint8Array): boolean;
  /** Whether the text may end here (no code point left unfinished). */
  end(): boolean;
}

/** How text is checked: a whole message in one frame, or a fragmented one piece by piece. */
export interface Utf8Checks {
  /** Whether `bytes`, a whole message, is valid UTF-8. */
  readonly isValid: (bytes: Uint8Array) => boolean;
  /** A fresh validator for one fragmented text message. */
  readonly createValidator: () => IncrementalUtf8Validator;
}

/** Chapter 07's own checks, the default. */
export const defaultUtf8Checks: Utf8Checks = { isValid: isValidUtf8, createValidator: () => new Utf8Validator() };

export interface AssemblerOptions {
  /** Largest message in bytes, across all its fragments (default 64 MiB) → 1009. */
  readonly maxMessageLength?: number;
  /**
   * Most frames one message may be sent in (default 16,384) → 1008. Without it, a client can send
   * a message of millions of empty or one-byte fragments that never reaches the size limit but
   * costs the server work per frame for as long as it likes. The code is 1008 (policy violation),
   * not 1009: RFC 6455 §7.4.1 gives 1009 to a message "too big" to process, and such a message may
   * be a few bytes long; 1008 is the code for refusing what breaks the endpoint's own policy when no
   * more specific code fits.
   */
  readonly maxFragments?: number;
  /** How text is checked (default {@link defaultUtf8Checks}; chapter 11 offers faster ones). */
  readonly utf8?: Utf8Checks;
  /**
   * Makes the buffer a message that came in pieces is joined into; every one of its bytes is
   * written before the message is passed on. Default `new Uint8Array(length)`, which zeroes it
   * first; the server passes Node's unzeroed allocation instead (chapter 11 measures the gain).
   */
  readonly allocate?: (length: number) => Uint8Array;
}

/** Default largest message: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;
/** Default most fragments per message: 16,384 (what the `ws` package allows, too). */
export const DEFAULT_MAX_FRAGMENTS = 16_384;

/** Turns a connection's data frames into messages. One instance per connection. */
export class MessageAssembler {
  constructor(readonly options: AssemblerOptions = {}) {
  }

  /**
   * Takes the next data frame (text, binary or continuation) and returns the message it completes,
   * or null while the message is unfinished. Throws {@link ProtocolError}: 1002 for a continuation
   * with nothing to continue or a new message inside an unfinished one, 1007 for invalid UTF-8 (as
   * soon as the fragment shows it), 1008 past `maxFragments` frames, 1009 past `maxMessageLength`.
   */
  push(frame: Frame): Message | null {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.push: a whole single-frame message at once (no copy), anything else as startFrame, pushPayload, endFrame');
  }

  /**
   * Starts a data frame whose payload will come in pieces ({@link pushPayload}, then
   * {@link endFrame}): the connection calls it for a frame larger than what has arrived, so that
   * its bytes are checked as they come. Throws like {@link push}, from the frame's header alone.
   */
  startFrame(opcode: number, fin: boolean, payloadLength: number): void {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.startFrame: the fragmentation rules, the fragment count and the size limit, from the header; a buffer for the bytes');
  }

  /**
   * The next piece of the current frame's payload, unmasked. Invalid UTF-8 throws 1007 here, as
   * soon as the piece that holds it arrives (fail fast, RFC 6455 §8.1).
   */
  pushPayload(piece: Uint8Array): void {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.pushPayload: check the piece as text (1007 now), then copy it into the message\'s buffer');
  }

  /** The current frame's payload is complete: returns the message it completes, or null. */
  endFrame(): Message | null {
    // TODO (see the chapter's README)
    return todo('chapters/07-messages/assembler.ts', 'MessageAssembler.endFrame: on FIN, the end-of-text check (1007), then the message; otherwise null');
  }

  /** Whether a message is in progress: fragments of it have come, or a frame of it is arriving. */
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
