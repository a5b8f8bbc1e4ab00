/**
 * Text between the wire and the application, for the server and the client alike.
 *
 * Chapter 07 hands a text message over as its bytes, proven valid UTF-8. A string is what most
 * applications want, so the application layer decodes them ({@link textOf}); one that only passes
 * messages on (an echo, a relay) may take the bytes instead (`textAsBytes`, chapter 10) and send
 * them back as text with `send(bytes, { binary: false })`. Decoding non-ASCII text into a string
 * and encoding it again costs far more than validating it, so that path is the fast one.
 *
 * Two slots, one each for the whole process, keep either path from paying twice:
 *
 * - the text decoded last, with its bytes ({@link utf8Of}): sending that very string again (an
 *   echo in string mode, a broadcast to every recipient) writes the bytes it came in instead of
 *   encoding it anew. Up to {@link MAX_RECENT_TEXT} bytes, so it keeps at most one small message
 *   alive. Strings compare by value, so any equal string gets the same bytes, which are its UTF-8.
 * - the text message being delivered right now ({@link deliveringText}): its bytes were validated
 *   as they came, so sent back as text during its delivery they are not checked again. Any other
 *   bytes sent as text are checked ({@link textPayload}): a server never sends invalid UTF-8.
 *
 * That outgoing check is the library's own safety net, not a chapter's exercise, so it uses the
 * platform's `isUtf8` (exact on whole input, RFC 3629: no overlong forms, no surrogates) whatever
 * state the learner's chapters are in.
 */
import { isUtf8 } from 'node:buffer';

/** A leading U+FEFF is kept (a TextDecoder strips it by default): an echo is what was sent. */
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const textEncoder = new TextEncoder();

const MAX_RECENT_TEXT = 4096;
const recentText: { text: string; bytes: Uint8Array } = { text: '', bytes: new Uint8Array(0) };

/** The text a received message's validated bytes hold. */
export function textOf(bytes: Uint8Array): string {
  const text = textDecoder.decode(bytes);
  if (bytes.length <= MAX_RECENT_TEXT) {
    recentText.text = text;
    recentText.bytes = bytes;
  }
  return text;
}

/** The UTF-8 of `text`: the bytes it came in when it is the text decoded last, else encoded. */
export function utf8Of(text: string): Uint8Array {
  return text === recentText.text ? recentText.bytes : textEncoder.encode(text);
}

let delivering: Uint8Array | null = null;

/**
 * Marks `bytes` as the text message being delivered (null: none) and returns the mark it replaces,
 * for the connection to put back once the application's listeners have returned.
 */
export function deliveringText(bytes: Uint8Array | null): Uint8Array | null {
  const outer = delivering;
  delivering = bytes;
  return outer;
}

/**
 * Bytes the application sends as a text message: the message being delivered passes as it is,
 * anything else is checked first, and invalid UTF-8 throws a TypeError (RFC 6455 §5.6: a text
 * frame carries UTF-8; the peer would fail the connection with 1007).
 */
export function textPayload(bytes: Uint8Array): Uint8Array {
  if (isDelivering(bytes) || isUtf8(bytes)) return bytes;
  throw new TypeError(`send(bytes, { binary: false }): these ${bytes.length} bytes are not valid UTF-8, and a text message must be (RFC 6455 §5.6)`);
}

/** Whether `bytes` are the message being delivered, or view exactly its memory (a new view of the same bytes). */
function isDelivering(bytes: Uint8Array): boolean {
  const marked = delivering;
  if (bytes === marked) return true;
  return marked !== null && bytes.buffer === marked.buffer && bytes.byteOffset === marked.byteOffset && bytes.length === marked.length;
}

/** The payload of an outgoing message: a string's UTF-8, bytes as they are (checked when sent as text). */
export function payloadOf(data: string | Uint8Array, binary: boolean): Uint8Array {
  if (typeof data === 'string') return utf8Of(data);
  return binary ? data : textPayload(data);
}
