/**
 * Chapter 06: the close frame's payload (RFC 6455 §5.5.1, §7.4).
 *
 * A close frame's payload is empty, or a 2-byte big-endian status code followed by a UTF-8 reason.
 * Only some codes may travel on the wire: 1005, 1006 and 1015 are reserved for reporting what an
 * endpoint saw, and the codes nobody has defined are invalid. Which codes are defined is RFC 6455
 * §7.4 plus the IANA "WebSocket Close Code Number Registry" it created (§11.7).
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
 * Whether `code` may appear in a close frame: 1000–1003 and 1007–1011 (defined by RFC 6455
 * §7.4.1), 1012–1014 (registered with IANA since: service restart, try again later, bad gateway),
 * 3000–3999 (registered with IANA by libraries, frameworks and applications) and 4000–4999
 * (private use, §7.4.2). 0–999 are not used, 1004 is reserved, 1005, 1006 and 1015 only report
 * what an endpoint saw, 1016–2999 are kept for future standards, ≥ 5000 does not exist.
 */
export function isValidCloseCode(code: number): boolean {
  // TODO (see the chapter's README)
  return todo('chapters/06-closing/close.ts', 'isValidCloseCode: 1000–1003, 1007–1014 and 3000–4999');
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
