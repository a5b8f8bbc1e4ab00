/**
 * Bytes as text for failure messages, and hex text back to bytes.
 *
 * Two views of the same bytes: {@link hex} for frames and binary data (`81 05 48 65 6c 6c 6f`), and
 * {@link escaped} for HTTP and other text (`GET / HTTP/1.1\r\n`), which shows exactly which bytes
 * were there, CR and LF included. Both cut long input and say how much was left out, so a 16 MiB
 * payload never floods a report. {@link fromHex} is the inverse of {@link hex}, for writing test
 * vectors the way the RFC prints them.
 */
import { firstDifference, toBytes } from './bytes.ts';

/** `81 05 48 65 6c 6c 6f`; past `max` bytes (default 64), ` … (N more bytes)`. Use a max of 16 for a short one. */
export function hex(bytes: Uint8Array, max = 64): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} … (${bytes.length - max} more bytes)` : shown;
}

/** Bytes from hex text: `81 05 48 65 6c 6c 6f`, spaces optional. The inverse of {@link hex}. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`fromHex: not hex bytes: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

/** How many bytes the UTF-8 sequence that starts with `lead` takes; 1 for a byte that starts none. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 1;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as a string literal would show them: printable ASCII and whole UTF-8 characters as is,
 * `\r`, `\n`, `\t`, `\\`, other bytes as `\xNN`. A string is shown as its UTF-8 bytes. Past `max`
 * bytes (default 2048), ` … (N more bytes)`.
 */
export function escaped(data: Uint8Array | string, max = 2048): string {
  const bytes = toBytes(data);
  const shown = bytes.subarray(0, max);
  let out = '';
  for (let i = 0; i < shown.length; i++) {
    const b = shown[i]!;
    // A whole UTF-8 sequence is shown as its character (a body may say "RFC 6455 §4.2.2").
    const length = sequenceLength(b);
    if (length > 1) {
      try {
        out += strictUtf8.decode(shown.subarray(i, i + length));
        i += length - 1;
        continue;
      } catch {
        // not UTF-8: fall through to \xNN
      }
    }
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out} … (${bytes.length - max} more bytes)` : out;
}

/** "differs at byte 300: got 12, expected 4f (got 1000 bytes, expected 1000)" and both from there on. */
export function differenceText(actual: Uint8Array, expected: Uint8Array): string {
  const at = firstDifference(actual, expected);
  if (at < 0) return 'identical';
  const byte = (bytes: Uint8Array) => (at < bytes.length ? bytes[at]!.toString(16).padStart(2, '0') : 'nothing');
  return (
    `differs at byte ${at}: got ${byte(actual)}, expected ${byte(expected)} ` +
    `(got ${actual.length} bytes, expected ${expected.length})\n` +
    `  got      from byte ${at}: ${hex(actual.subarray(at), 16)}\n` +
    `  expected from byte ${at}: ${hex(expected.subarray(at), 16)}`
  );
}
