/**
 * What the server does at a layer whose chapter is not written yet (see layers.ts). Each stand-in
 * is deliberately crude; the chapter replaces it.
 */
import type { HttpResponse } from '../04-upgrade/handshake.ts';
import { REASON_PHRASES } from '../04-upgrade/handshake.ts';
import type { Frame } from '../05-frames/frame.ts';
import { Opcode } from '../05-frames/frame.ts';
import type { Message } from '../07-messages/assembler.ts';

/** Until chapter 07: a single-frame message passes as is (text unchecked); fragments are refused. */
export function singleFrameMessage(frame: Frame): Message {
  if (!frame.fin || frame.opcode === Opcode.Continuation) {
    throw new Error('fragmented messages need chapter 07');
  }
  return frame.opcode === Opcode.Text
    ? { type: 'text', data: new TextDecoder().decode(frame.payload) }
    : { type: 'binary', data: frame.payload };
}

/** Until chapter 04: a minimal HTTP/1.1 response, its headers kept, with a text body. */
export function plainTextResponse(response: HttpResponse): Uint8Array {
  const body = typeof response.body === 'string' ? new TextEncoder().encode(response.body) : (response.body ?? new Uint8Array(0));
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain; charset=utf-8',
    Connection: 'close',
    ...response.headers,
    'Content-Length': String(body.length),
  };
  const lines = [`HTTP/1.1 ${response.status} ${REASON_PHRASES[response.status] ?? 'Status'}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const head = new TextEncoder().encode(`${lines.join('\r\n')}\r\n\r\n`);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head, 0);
  bytes.set(body, head.length);
  return bytes;
}
