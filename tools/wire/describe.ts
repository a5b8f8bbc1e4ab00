/**
 * Frames in words, for failure messages and transcripts.
 *
 * {@link describeFrames} annotates a byte stream one frame per line, header bytes and flags first,
 * so a learner can check a header bit by bit against RFC 6455 §5.2; bytes that end inside a frame are
 * said to. {@link describeFrame} is the short form for one frame inside a sentence ("got text frame
 * 'Hello' (5 bytes)"). Both read frames with the toolkit's own decoder.
 */
import { Opcode, opcodeName } from '../../core/frame.ts';
import { escaped, hex } from './dump.ts';
import type { FrameHeaderRead, FrameParse, FrameRead } from './frame-decoder.ts';
import { parseFrame } from './frame-decoder.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A payload as ` 'text'` when it is printable UTF-8, else ''. */
function quoted(payload: Uint8Array, max = 60): string {
  if (payload.length === 0) return '';
  let text: string;
  try {
    text = strictUtf8.decode(payload);
  } catch {
    return '';
  }
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return '';
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return ` '${shown.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

/** An opcode as messages name it: `0x9 (ping)`. */
export function describeOpcode(opcode: number): string {
  return `0x${opcode.toString(16)} (${opcodeName(opcode)})`;
}

/** `FIN text len=5 masked key=37 fa 21 3d`. */
export function describeHeader(header: FrameHeaderRead): string {
  const flags = [
    header.fin ? 'FIN' : 'no-FIN',
    ...(header.rsv1 ? ['RSV1'] : []),
    ...(header.rsv2 ? ['RSV2'] : []),
    ...(header.rsv3 ? ['RSV3'] : []),
  ];
  const mask = header.maskingKey ? `masked key=${hex(header.maskingKey)}` : 'unmasked';
  return `${flags.join(' ')} ${opcodeName(header.opcode)} len=${header.payloadLength} ${mask}`;
}

/** What a close frame's payload says: `code=1000 reason='bye'` (RFC 6455 §5.5.1). */
export function describeClose(payload: Uint8Array): string {
  if (payload.length === 0) return 'no status code';
  if (payload.length === 1) return 'invalid: 1-byte close payload';
  const code = (payload[0]! << 8) | payload[1]!;
  const reason = payload.subarray(2);
  return reason.length === 0 ? `code=${code}` : `code=${code} reason=${quoted(reason).trim() || hex(reason)}`;
}

/** Why bytes that are not a whole frame stop where they do. */
function describeIncomplete(parse: Exclude<FrameParse, { kind: 'frame' }>): string {
  switch (parse.kind) {
    case 'partial-header':
      return `partial frame header (${parse.received} of ${parse.needed === 2 ? 'at least 2' : parse.needed} bytes)`;
    case 'partial-payload':
      return `partial frame: ${describeHeader(parse.header)}, ${parse.received} of ${parse.header.payloadLength} payload bytes received`;
    case 'too-long':
      return `a frame header announcing ${parse.declaredLength} payload bytes (more than 2^53: not read further)`;
    default: {
      const unknown: never = parse;
      throw new Error(`unknown parse ${String(unknown)}`);
    }
  }
}

/**
 * One line per frame, e.g. `81 05 | FIN text len=5 unmasked | 48 65 6c 6c 6f 'Hello'`. Masked
 * frames show their key and the payload as sent, then unmasked; a close frame its code and reason;
 * bytes that end inside a frame are noted as a partial frame. After `maxFrames` lines, the rest is
 * summed up in one line.
 */
export function describeFrames(bytes: Uint8Array, maxFrames = 40): string {
  const lines: string[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    if (lines.length === maxFrames) {
      lines.push(`… (${rest.length} more bytes)`);
      break;
    }
    const parse = parseFrame(rest);
    if (parse.kind !== 'frame') {
      lines.push(`${hex(rest, 16)} | ${describeIncomplete(parse)}`);
      break;
    }
    const { frame, size } = parse;
    let payload = hex(rest.subarray(frame.headerLength, size), 32);
    if (frame.masked) payload += ` (unmasked: ${hex(frame.payload, 32)})`;
    if (frame.opcode === Opcode.Close) payload += ` ${describeClose(frame.payload)}`;
    else payload += quoted(frame.payload);
    lines.push(`${hex(frame.header)} | ${describeHeader(frame)} | ${payload.trim() || '(empty payload)'}`);
    rest = rest.subarray(size);
  }
  return lines.join('\n');
}

/** A frame in a few words: `text frame 'Hello' (5 bytes)`, `close 1002 'bad'`, `pong frame [] (0 bytes)`. */
export function describeFrame(frame: Pick<FrameRead, 'fin' | 'opcode' | 'payload'>): string {
  const fin = frame.fin ? '' : ' (FIN=0)';
  const size = `(${frame.payload.length} bytes)${fin}`;
  switch (frame.opcode) {
    case Opcode.Close: {
      if (frame.payload.length < 2) return `close frame with no code${fin}`;
      const code = (frame.payload[0]! << 8) | frame.payload[1]!;
      const reason = frame.payload.subarray(2);
      return `close ${code}${reason.length > 0 ? ` '${escaped(reason, 60)}'` : ''}${fin}`;
    }
    case Opcode.Text:
      return `text frame '${escaped(frame.payload, 40)}' ${size}`;
    default:
      return `${opcodeName(frame.opcode)} frame [${hex(frame.payload, 16)}] ${size}`;
  }
}
