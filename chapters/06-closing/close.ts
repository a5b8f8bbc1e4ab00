/**
 * Chapter 06: the close frame's payload (RFC 6455 §5.5.1, §7.4).
 *
 * A close frame's payload is empty, or a 2-byte big-endian status code followed by a UTF-8 reason.
 * Only some codes may travel on the wire: 1005, 1006 and 1015 are reserved for reporting what an
 * endpoint saw, and the unassigned ranges are invalid (§7.4.1, §7.4.2).
 */
import { ProtocolError, todo } from '../../core/errors.ts';
import { CloseCode } from '../../core/close-code.ts';

/** A close frame's meaning: `code` is 1005 (NoStatusReceived) when the payload was empty. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** Largest reason in UTF-8 bytes: 125 bytes of control payload minus the 2-byte code (§5.5). */
export const MAX_REASON_BYTES = 123;

/**
 * Whether `code` may appear in a close frame: 1000–1003 and 1007–1011 (defined by RFC 6455), and
 * 3000–4999 (registered by libraries, or private to applications). 0–999 are never used, 1004 is
 * reserved, 1005, 1006 and 1015 only report what an endpoint saw, 1012–2999 are reserved for this
 * and future standards, ≥ 5000 does not exist (§7.4.1, §7.4.2). IANA has since registered 1012–1014;
 * like the Autobahn test suite (cases 7.9.x), this server still refuses them on receipt.
 */
export function isValidCloseCode(code: number): boolean {
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/close.ts', 'isValidCloseCode: 1000–1003, 1007–1011 and 3000–4999');
}

/**
 * Parses a close frame's payload. Empty → `{ code: 1005, reason: '' }`. A 1-byte payload or an
 * invalid code → {@link ProtocolError} 1002; a reason that is not UTF-8 → 1007.
 */
export function parseClosePayload(payload: Uint8Array): CloseInfo {
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/close.ts', 'parseClosePayload: empty, or a big-endian uint16 code then a UTF-8 reason, each checked');
}

/**
 * The payload of a close frame for `code` and `reason`: empty for 1005 (nothing to say), else the
 * code in 2 big-endian bytes and the UTF-8 reason. Throws RangeError for a code that may not be
 * sent or a reason over {@link MAX_REASON_BYTES}.
 */
export function encodeClosePayload(code: number, reason = ''): Uint8Array {
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/close.ts', 'encodeClosePayload: 2 bytes of code, big-endian, then the reason\'s UTF-8 bytes');
}
