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
import { ProtocolError } from '../../core/errors.ts';
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
// @remove

/** The first buffer of a fragmented message holds at least this many bytes. */
const MIN_BUFFER_CAPACITY = 1024;
/**
 * The most a buffer sets aside before the bytes arrive. A header alone may announce 64 MiB: room is
 * made for what has come, doubling as it comes, not for what a client says it will send.
 */
const MAX_UPFRONT_CAPACITY = 64 * 1024;
/** A piece at least this long may be kept as a view instead of copied. */
const MIN_KEPT_PIECE = 4 * 1024;

/**
 * The bytes of a message that came in pieces, kept in parts, joined once at the end.
 *
 * A large piece (4 KiB or more) is kept as it came: a view of the socket's chunk, no copy, when it
 * fills at least half of that chunk (so it keeps at most twice its own size alive, and its view
 * object is small beside it). Small pieces (many tiny fragments, or the ends of chunks shared with
 * other frames) are copied into blocks the assembler owns, each block twice the size of the one
 * before, never past the message limit: the memory held stays within about twice the bytes
 * received, whatever the number of pieces or the length a header announces.
 *
 * A small piece is copied only once the next piece comes. Until then it waits as a view: if it
 * ends the message (the tail of a large frame, read at the start of the next chunk), the join
 * copies it anyway, and a block for it alone would be a second copy and a block's worth of memory.
 * One view waits at a time, so at most one socket chunk is kept alive by it. At the end, one part
 * is passed on as it is; several are copied once into one buffer of the exact size.
 */
class MessageBuffer {
  /** The parts before the block being filled, in order. */
  private readonly parts: Uint8Array[] = [];
  /** The owned block small pieces are copied into, and how much of it is filled. */
  private block: Uint8Array | null = null;
  private blockLength = 0;
  /** The last piece, when small: not copied until another piece follows it. */
  private waiting: Uint8Array | null = null;
  length = 0;

  /** `capacity`: the size of the first block (at least 1 KiB, at most 64 KiB and the message limit). */
  constructor(
    private readonly capacity: number,
    private readonly maxLength: number,
    private readonly allocate: (length: number) => Uint8Array,
  ) {}

  /** Adds `piece` after the bytes so far (the caller has checked the limit). */
  append(piece: Uint8Array): void {
    // An empty piece (an empty final fragment) adds nothing, and must not push the waiting one out.
    if (piece.length === 0) return;
    this.length += piece.length;
    // The small piece before this one does not end the message: it goes into the block now.
    this.copyWaiting();
    if (piece.length >= MIN_KEPT_PIECE && 2 * piece.length >= piece.buffer.byteLength) {
      this.closeBlock();
      this.parts.push(piece);
      return;
    }
    this.waiting = piece;
  }

  /** The message: its one part as it is, or every part copied once into one buffer. */
  contents(): Uint8Array {
    this.closeBlock();
    if (this.waiting !== null) this.parts.push(this.waiting);
    this.waiting = null;
    if (this.parts.length === 1) return this.parts[0]!;
    const whole = this.allocate(this.length);
    let at = 0;
    for (const part of this.parts) {
      whole.set(part, at);
      at += part.length;
    }
    return whole;
  }

  /** Copies the waiting small piece into the block, starting a bigger block when it does not fit. */
  private copyWaiting(): void {
    const piece = this.waiting;
    if (piece === null) return;
    this.waiting = null;
    if (this.block === null || this.blockLength + piece.length > this.block.length) {
      const previous = this.block?.length ?? Math.min(Math.max(this.capacity, MIN_BUFFER_CAPACITY), MAX_UPFRONT_CAPACITY) / 2;
      this.closeBlock();
      this.block = new Uint8Array(Math.min(Math.max(piece.length, 2 * previous), this.maxLength));
    }
    this.block.set(piece, this.blockLength);
    this.blockLength += piece.length;
  }

  /** The filled part of the current block becomes a part (its spare room goes with it). */
  private closeBlock(): void {
    if (this.block === null) return;
    if (this.blockLength > 0) this.parts.push(this.block.subarray(0, this.blockLength));
    this.block = null;
    this.blockLength = 0;
  }
}

/** The message being assembled: its type, its bytes and frames so far, and (for text) the validator. */
interface MessageInProgress {
  readonly type: 'text' | 'binary';
  readonly buffer: MessageBuffer;
  fragments: number;
  readonly utf8: IncrementalUtf8Validator | null;
  /** Whether the frame being received is the message's last. */
  fin: boolean;
}
// @end

/** Turns a connection's data frames into messages. One instance per connection. */
export class MessageAssembler {
  // @remove
  private current: MessageInProgress | null = null;
  private readonly maxMessageLength: number;
  private readonly maxFragments: number;
  private readonly utf8: Utf8Checks;
  // @end

  constructor(readonly options: AssemblerOptions = {}) {
    // @remove
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.utf8 = options.utf8 ?? defaultUtf8Checks;
    // @end
  }

  /**
   * Takes the next data frame (text, binary or continuation) and returns the message it completes,
   * or null while the message is unfinished. Throws {@link ProtocolError}: 1002 for a continuation
   * with nothing to continue or a new message inside an unfinished one, 1007 for invalid UTF-8 (as
   * soon as the fragment shows it), 1008 past `maxFragments` frames, 1009 past `maxMessageLength`.
   */
  push(frame: Frame): Message | null {
    // @solution MessageAssembler.push: a whole single-frame message at once (no copy), anything else as startFrame, pushPayload, endFrame
    // A whole message in one frame, the common case: checked in one piece and passed on without a copy.
    if (frame.fin && this.current === null && isDataOpcode(frame.opcode)) {
      this.checkLength(frame.payload.length);
      const type = frame.opcode === Opcode.Text ? 'text' : 'binary';
      if (type === 'text' && !this.utf8.isValid(frame.payload)) throw invalidText();
      return finished(type, frame.payload);
    }
    this.startFrame(frame.opcode, frame.fin, frame.payload.length);
    this.pushPayload(frame.payload);
    return this.endFrame();
    // @end
  }

  /**
   * Starts a data frame whose payload will come in pieces ({@link pushPayload}, then
   * {@link endFrame}): the connection calls it for a frame larger than what has arrived, so that
   * its bytes are checked as they come. Throws like {@link push}, from the frame's header alone.
   */
  startFrame(opcode: number, fin: boolean, payloadLength: number): void {
    // @solution MessageAssembler.startFrame: the fragmentation rules, the fragment count and the size limit, from the header; a buffer for the bytes
    // 1. A text or binary frame starts a message, a continuation continues the one in progress (RFC 6455 §5.4).
    const message = this.current;
    if (opcode === Opcode.Continuation) {
      if (message === null) throw new ProtocolError('continuation frame with no message to continue');
      this.current = null; // whatever goes wrong below, this message is over
      message.fragments++;
      if (message.fragments > this.maxFragments) {
        throw new ProtocolError(
          `message in more than ${this.maxFragments} fragments (RFC 6455 §7.4.1, 1008 "policy violation")`,
          CloseCode.PolicyViolation,
        );
      }
      this.checkLength(message.buffer.length + payloadLength);
      this.current = message;
      message.fin = fin;
      return;
    }
    if (!isDataOpcode(opcode)) throw new Error(`the assembler takes data frames only, not opcode ${opcode}`);
    if (message !== null) {
      this.current = null;
      throw new ProtocolError('new data frame inside an unfinished fragmented message');
    }
    // 2. A new message: its length so far is this frame's. A message in this one frame gets a
    //    buffer of its size (up to 64 KiB; beyond, it grows as the bytes come); the first of
    //    several fragments one with room to grow.
    this.checkLength(payloadLength);
    const type = opcode === Opcode.Text ? 'text' : 'binary';
    const buffer = new MessageBuffer(fin ? payloadLength : 2 * payloadLength, this.maxMessageLength, this.options.allocate ?? zeroedBytes);
    const utf8 = type === 'text' ? this.utf8.createValidator() : null;
    this.current = { type, buffer, fragments: 1, utf8, fin };
    // @end
  }

  /**
   * The next piece of the current frame's payload, unmasked. Invalid UTF-8 throws 1007 here, as
   * soon as the piece that holds it arrives (fail fast, RFC 6455 §8.1).
   */
  pushPayload(piece: Uint8Array): void {
    // @solution MessageAssembler.pushPayload: check the piece as text (1007 now), then copy it into the message's buffer
    const message = this.current;
    if (message === null) throw new Error('pushPayload without a frame started');
    if (message.utf8 !== null && !message.utf8.push(piece)) {
      this.current = null;
      throw invalidText();
    }
    message.buffer.append(piece);
    // @end
  }

  /** The current frame's payload is complete: returns the message it completes, or null. */
  endFrame(): Message | null {
    // @solution MessageAssembler.endFrame: on FIN, the end-of-text check (1007), then the message; otherwise null
    const message = this.current;
    if (message === null) throw new Error('endFrame without a frame started');
    if (!message.fin) return null;
    // The final fragment: the message must not end inside a code point (§8.1), whatever this one held.
    this.current = null;
    if (message.utf8 !== null && !message.utf8.end()) {
      throw new ProtocolError('text message ends inside a UTF-8 sequence', CloseCode.InvalidPayload);
    }
    return finished(message.type, message.buffer.contents());
    // @end
  }

  /** Whether a message is in progress: fragments of it have come, or a frame of it is arriving. */
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
    return this.current?.buffer.length ?? 0;
    // @end
  }
  // @remove

  /** The limit is on the whole message (RFC 6455 §10.4): checked as soon as a fragment's length is known. */
  private checkLength(length: number): void {
    if (length <= this.maxMessageLength) return;
    this.current = null;
    throw new ProtocolError(`message of more than ${this.maxMessageLength} bytes`, CloseCode.MessageTooBig);
  }
  // @end
}
// @remove

/** The message a complete payload makes (text already validated). */
function finished(type: 'text' | 'binary', data: Uint8Array): Message {
  return { type, data };
}

function zeroedBytes(length: number): Uint8Array {
  return new Uint8Array(length);
}

function isDataOpcode(opcode: number): boolean {
  return opcode === Opcode.Text || opcode === Opcode.Binary;
}

function invalidText(): ProtocolError {
  return new ProtocolError('invalid UTF-8 in a text message', CloseCode.InvalidPayload);
}
// @end
