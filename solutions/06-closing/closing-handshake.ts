/**
 * Chapter 06: the closing handshake and failing the connection (RFC 6455 §7).
 *
 * A connection moves through four states, named as in the RFC and in the browser's WebSocket:
 *
 * ```
 * CONNECTING --101 sent--> OPEN --close sent or received--> CLOSING --TCP closed--> CLOSED
 * ```
 *
 * Either side may start the closing handshake by sending a close frame; the other answers with its
 * own, after which neither sends data. The server closes the TCP connection first (§7.1.1): the side
 * that closes first holds TIME_WAIT, which would keep a client from reopening a connection from the
 * same port but costs a server nothing. Failing the connection (§7.1.7) is the same exit
 * taken on a protocol error: one close frame with the error's code, then the TCP close.
 *
 * These are pure decisions: the connection (server/wiring/connection.ts) applies them.
 */
import { CloseCode } from '../../core/close-code.ts';
import { ProtocolError } from '../../core/errors.ts';
import { ReadyState } from '../../core/ready-state.ts';
import type { CloseInfo } from './close.ts';
import { MAX_REASON_BYTES, isValidCloseCode } from './close.ts';

/**
 * The close frame to send when the peer's arrives in `state` (RFC 6455 §5.5.1), or null for none.
 * In OPEN the peer started: echo its code (an empty close is answered with an empty one). In
 * CLOSING we started and this is the answer: the handshake is complete, nothing more to send.
 * Either way the server then closes the TCP connection first (§7.1.1), and the connection does
 * that itself: it is not a decision.
 */
export function replyToClose(state: ReadyState, received: CloseInfo): CloseInfo | null {
  // @solution replyToClose: echo the code when OPEN, nothing when CLOSING
  switch (state) {
    case ReadyState.OPEN:
      // 1005 means the peer's frame was empty, and an empty close answers it.
      return { code: received.code, reason: '' };
    case ReadyState.CLOSING:
    case ReadyState.CLOSED:
      return null;
    case ReadyState.CONNECTING:
      // Frames are only read after the 101: the connection never asks this.
      throw new Error('a close frame cannot arrive before the opening handshake is complete');
    default: {
      const unknown: never = state;
      throw new Error(`unknown ready state ${String(unknown)}`);
    }
  }
  // @end
}

/**
 * The close frame that fails the connection for `error` (§7.1.7): a {@link ProtocolError} gives its
 * own code and message (cut to {@link MAX_REASON_BYTES} UTF-8 bytes without splitting a character);
 * anything else is 1011 with a generic reason that leaks nothing of the error.
 */
export function closeForError(error: unknown): CloseInfo {
  // @solution closeForError: ProtocolError → its code and message, anything else → 1011 "internal error"
  if (error instanceof ProtocolError && isValidCloseCode(error.code)) {
    return { code: error.code, reason: truncateUtf8(error.message, MAX_REASON_BYTES) };
  }
  // A bug or an unexpected condition: say so, but never what (its message may hold anything).
  return { code: CloseCode.InternalError, reason: 'internal error' };
  // @end
}

// @remove
/** `text` cut to at most `maxBytes` bytes of UTF-8, never in the middle of a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  // Back up over continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
// @end
