/**
 * What the server does at a layer whose chapter is not written yet (see layers.ts). Each stand-in
 * is deliberately crude; the chapter replaces it.
 */
import type { HttpResponse } from '../04-upgrade/handshake.ts';
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

/** Until chapter 04: a minimal HTTP/1.1 response with a text body. */
export function plainTextResponse(response: HttpResponse): Uint8Array {
  const body = typeof response.body === 'string' ? response.body : '';
  const bytes = new TextEncoder().encode(body);
  const head =
    `HTTP/1.1 ${response.status} Status ${response.status}\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`;
  return new TextEncoder().encode(head + body);
}
