/**
 * Chapter 06: the close frame's payload (RFC 6455 §5.5.1, §7.4).
 *
 * A close frame's payload is empty, or a 2-byte big-endian status code followed by a UTF-8 reason.
 * Only some codes may travel on the wire: 1005, 1006 and 1015 are reserved for reporting what an
 * endpoint saw, and the codes nobody has defined are invalid. Which codes are defined is RFC 6455
 * §7.4 plus the IANA "WebSocket Close Code Number Registry" it created (§11.7).
 */
import { ProtocolError } from '../../core/errors.ts';
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
  // @solution isValidCloseCode: 1000–1003, 1007–1014 and 3000–4999
  if (!Number.isInteger(code)) return false;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  // @end
}

/**
 * Parses a close frame's payload. Empty → `{ code: 1005, reason: '' }`. A 1-byte payload or an
 * invalid code → {@link ProtocolError} 1002; a reason that is not UTF-8 → 1007.
 */
export function parseClosePayload(payload: Uint8Array): CloseInfo {
  // @solution parseClosePayload: empty, or a big-endian uint16 code then a UTF-8 reason, each checked
  // 1. No payload: no status code (§7.1.5 reports this as 1005).
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: '' };
  // 2. A body, if present, starts with a 2-byte code (§5.5.1): one byte cannot be one.
  if (payload.length === 1) {
    throw new ProtocolError(
      `close frame with a 1-byte payload (${hexByte(payload[0]!)}): a status code takes 2 bytes (RFC 6455 §5.5.1)`,
    );
  }
  // 3. The code, big-endian, and only one that may be sent (§7.4).
  const code = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(0);
  if (!isValidCloseCode(code)) {
    throw new ProtocolError(`close frame with status code ${code}, which ${whyInvalid(code)} (RFC 6455 §7.4)`);
  }
  // 4. The reason, which must be UTF-8 (§5.5.1): invalid text is 1007, as in a text message.
  let reason: string;
  try {
    reason = strictUtf8.decode(payload.subarray(2));
  } catch {
    throw new ProtocolError(
      `close frame whose reason is not valid UTF-8 (${payload.length - 2} bytes after the code) (RFC 6455 §5.5.1)`,
      CloseCode.InvalidPayload,
    );
  }
  return { code, reason };
  // @end
}

/**
 * The payload of a close frame for `code` and `reason`: empty for 1005 (nothing to say), else the
 * code in 2 big-endian bytes and the UTF-8 reason. Throws RangeError for a code that may not be
 * sent or a reason over {@link MAX_REASON_BYTES}.
 */
export function encodeClosePayload(code: number, reason = ''): Uint8Array {
  // @solution encodeClosePayload: 2 bytes of code, big-endian, then the reason's UTF-8 bytes
  if (code === CloseCode.NoStatusReceived) {
    // "No status" is said with an empty payload, which has no room for a reason (§5.5.1).
    if (reason !== '') throw new RangeError('a close reason needs a status code: 1005 cannot carry one');
    return new Uint8Array(0);
  }
  if (!isValidCloseCode(code)) {
    throw new RangeError(`close code ${code} may not be sent in a close frame (RFC 6455 §7.4)`);
  }
  const reasonBytes = utf8.encode(reason);
  if (reasonBytes.length > MAX_REASON_BYTES) {
    throw new RangeError(
      `a close reason is at most ${MAX_REASON_BYTES} bytes of UTF-8, not ${reasonBytes.length} (RFC 6455 §5.5)`,
    );
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  new DataView(payload.buffer).setUint16(0, code);
  payload.set(reasonBytes, 2);
  return payload;
  // @end
}

// @remove
const utf8 = new TextEncoder();
/** `fatal: true` makes invalid UTF-8 throw instead of turning into U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** Why a code may not be sent, in the words of §7.4. */
function whyInvalid(code: number): string {
  if (code === CloseCode.NoStatusReceived || code === CloseCode.Abnormal || code === CloseCode.TlsHandshake) {
    return 'is reserved for reporting and must never be sent';
  }
  if (code < 1000) return 'is not used';
  if (code === 1004) return 'is reserved';
  if (code < 3000) return 'is not defined by RFC 6455 or the IANA registry (kept for future standards)';
  return 'is outside the range of close codes (1000–4999)';
}
// @end
