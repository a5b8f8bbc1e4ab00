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
import { ProtocolError, todo } from '../../core/errors.ts';
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
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/closing-handshake.ts', 'replyToClose: echo the code when OPEN, nothing when CLOSING');
}

/**
 * The close frame that fails the connection for `error` (§7.1.7): a {@link ProtocolError} gives its
 * own code and message (cut to {@link MAX_REASON_BYTES} UTF-8 bytes without splitting a character);
 * anything else is 1011 with a generic reason that leaks nothing of the error.
 */
export function closeForError(error: unknown): CloseInfo {
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/closing-handshake.ts', 'closeForError: ProtocolError → its code and message, anything else → 1011 "internal error"');
}
