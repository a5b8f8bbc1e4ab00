/**
 * What the server does at a layer whose chapter is not written yet.
 *
 * The workbook is cumulative: after every chapter the learner's server runs and does what that
 * chapter taught, while the chapters after it are still starters. layers.ts decides once, when the
 * tree is loaded, which layers are written; for each one that is not, it takes the stand-in below.
 * Every stand-in is deliberately crude and gives nothing of its chapter away: it refuses, says
 * nothing, or passes data through unchecked. The chapter replaces it.
 */
import { CloseCode } from '../../core/close-code.ts';
import { HttpError, ProtocolError } from '../../core/errors.ts';
import { REASON_PHRASES, closingHeaders } from '../../core/http.ts';
import type { Frame } from '../../core/frame.ts';
import { Opcode } from '../../core/frame.ts';
import type { ReadyState } from '../../core/ready-state.ts';
import type { RequestHead } from '@impl/02-http-head/request-head.ts';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { CloseInfo } from '@impl/06-closing/close.ts';
import type { Message } from '@impl/07-messages/assembler.ts';
import type { Expiry } from '@impl/08-heartbeat/watchdog.ts';
import type { SendData } from '@impl/10-app/arguments.ts';
import type { Closable } from '@impl/10-app/shutdown.ts';
import type { HandshakePolicy } from '@impl/12-http-world/policy.ts';
import type { DeflateParameters, ExtensionOffer } from '@impl/13-compression/negotiate.ts';
import type * as roomBus from '@impl/15-scale-out/room-bus.ts';

const encoder = new TextEncoder();

/**
 * Until chapter 02's ByteQueue works: a queue that only counts what it is given. Nothing reads it,
 * because without a queue no head can be parsed and every request is refused.
 */
export class CountingQueue {
  length = 0;

  push(chunk: Uint8Array): void {
    this.length += chunk.length;
  }
}

/** A layer that refuses every handshake with 501, naming the chapter that is missing. */
export function notImplemented(notice: string): never {
  throw new HttpError(501, notice);
}

/** Until chapter 02 parses heads: every request is answered 501 as soon as bytes arrive. */
export function refusingHeadParser(notice: string): new (...args: never[]) => { parse(queue: unknown): RequestHead | null } {
  return class RefusingHeadParser {
    parse(): RequestHead | null {
      return notImplemented(notice);
    }
  };
}

/** Until chapter 04: a minimal HTTP/1.1 response, its headers kept, and a body with its length. */
export function plainTextResponse(response: HttpResponse): Uint8Array {
  const body = typeof response.body === 'string' ? encoder.encode(response.body) : (response.body ?? new Uint8Array(0));
  const headers: Record<string, string> =
    body.length === 0 ? { ...response.headers } : { 'Content-Type': 'text/plain; charset=utf-8', ...response.headers, 'Content-Length': String(body.length) };
  const lines = [`HTTP/1.1 ${response.status} ${REASON_PHRASES[response.status] ?? 'Status'}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const head = encoder.encode(`${lines.join('\r\n')}\r\n\r\n`);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head, 0);
  bytes.set(body, head.length);
  return bytes;
}

/** Until chapter 04's refusalResponse: the error's status and headers, its message as the body. */
export function plainRefusal(error: HttpError): HttpResponse {
  return { status: error.status, headers: closingHeaders(error.headers), body: `${error.message}\n` };
}

/** Until chapter 05 decodes frames: the first frame fails the connection. */
export function undecodable(notice: string): () => never {
  return () => {
    throw new Error(notice);
  };
}

/** Until chapter 05 encodes frames: nothing can be sent (a closing connection just closes TCP). */
export function unsendable(): Uint8Array[] {
  return [];
}

/** Until chapter 06: a close frame's payload is not read (1005, as if it were empty). */
export function unreadClosePayload(): CloseInfo {
  return { code: CloseCode.NoStatusReceived, reason: '' };
}

/** Until chapter 06: a close frame sent carries its code alone (no reason, nothing checked). */
export function codeOnlyClosePayload(code: number): Uint8Array {
  return code === CloseCode.NoStatusReceived ? new Uint8Array(0) : Uint8Array.of(code >> 8, code & 0xff);
}

/** Until chapter 06: a close frame is not answered; the TCP close follows it. */
export function noCloseReply(): CloseInfo | null {
  return null;
}

/** Until chapter 06: a failure is closed with the error's own code, or 1011, without a reason. */
export function codeOfError(error: unknown): CloseInfo {
  return { code: error instanceof ProtocolError ? error.code : CloseCode.InternalError, reason: '' };
}

/** Until chapter 07: a single-frame message passes as is (text unchecked); fragments are refused. */
export class SingleFrameMessages {
  /** The frame arriving in pieces: its opcode and its pieces so far. */
  private arriving: { readonly opcode: number; readonly pieces: Uint8Array[] } | null = null;

  push(frame: Frame): Message | null {
    if (!frame.fin || frame.opcode === Opcode.Continuation) throw new Error('fragmented messages need chapter 07');
    return { type: frame.opcode === Opcode.Text ? 'text' : 'binary', data: frame.payload };
  }

  startFrame(opcode: number, fin: boolean): void {
    if (!fin || opcode === Opcode.Continuation) throw new Error('fragmented messages need chapter 07');
    this.arriving = { opcode, pieces: [] };
  }

  pushPayload(piece: Uint8Array): void {
    this.arriving?.pieces.push(piece.slice());
  }

  endFrame(): Message | null {
    const frame = this.arriving;
    this.arriving = null;
    if (frame === null) return null;
    const payload = Buffer.concat(frame.pieces);
    return this.push({ fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: frame.opcode, masked: true, payload });
  }

  get bufferedLength(): number {
    return 0;
  }
}

/** Until chapter 08: no clock runs, so no ping is sent and no silent peer is ever dropped. */
export class NoTimeouts {
  activity(): void {}
  opened(): void {}
  closing(): void {}
  stop(): void {}
  deadline(): number | null {
    return null;
  }
  check(): Expiry | null {
    return null;
  }
}

/** Until chapter 09: every message is queued for a client, however far behind it is. */
export function alwaysSend(): 'send' {
  return 'send';
}

/** Until chapter 10: a string goes as text and anything else as the bytes it views, in any state. */
export function sendAnyway(_state: ReadyState, data: SendData): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** Until chapter 10: close() takes its code and reason unchecked. */
export function uncheckedClose(code?: number, reason?: string): CloseInfo {
  return { code: code ?? CloseCode.Normal, reason: reason ?? '' };
}

/** Until chapter 10: a shutdown drops every client at once (they see 1006). */
export async function dropEveryone(clients: Iterable<Closable>): Promise<void> {
  const all = [...clients];
  for (const client of all) client.terminate();
  await Promise.all(all.map((client) => client.closed));
}

/**
 * Until chapter 12's policy is written: a server run without one (no allowed origins, no token, no
 * redirect, no hook) accepts as chapter 04 decided; one given a policy refuses with 501 rather
 * than let through what the policy would refuse.
 */
export function isEmptyPolicy(policy: HandshakePolicy): boolean {
  return policy.allowedOrigins === undefined && policy.token === undefined && policy.redirects === undefined && policy.verifyClient === undefined;
}

/** Until chapter 13 parses `Sec-WebSocket-Extensions`: nothing is offered. */
export function noOffers(): ExtensionOffer[] {
  return [];
}

/** Until chapter 13 formats its answer: no extension header (never asked for, as nothing is agreed). */
export function noExtensions(): string {
  return '';
}

/** Until chapter 13 is written (both its files): permessage-deflate is declined, as RFC 7692 §5 allows. */
export function declineDeflate(): DeflateParameters | null {
  return null;
}

/** Until chapter 13's compressor is written: never built, since every offer is declined meanwhile. */
export function uncompressed(notice: string): new (...args: never[]) => unknown {
  return class Uncompressed {
    constructor() {
      throw new Error(notice);
    }
  };
}

/** Until chapter 14: the client fails before its first byte, naming the chapter to write. */
export function clientNeeds(notice: string): never {
  throw new Error(notice);
}

/** Until chapter 14 parses responses: every response fails the handshake, naming the chapter. */
export function refusingResponseParser(notice: string): new (...args: never[]) => { parse(queue: unknown): null } {
  return class RefusingResponseParser {
    parse(): null {
      return clientNeeds(notice);
    }
  };
}

/** Chapter 15's layer as the Redis room (server/demo/redis-room.ts) uses it. */
export type RoomBus = Pick<typeof roomBus, 'encodeEnvelope' | 'decodeEnvelope' | 'Inbox' | 'defaultBackoff' | 'reconnectDelay' | 'presenceKey' | 'presenceTotal'>;

/**
 * Until chapter 15: what the channel brings passes unchecked (a process's own messages come back
 * to its clients a second time, repeats too), a lost Redis is retried every second, and presence
 * counts processes, not people.
 */
export const uncheckedRoomBus: RoomBus = {
  encodeEnvelope: (envelope) => JSON.stringify(envelope),
  decodeEnvelope: (raw) => JSON.parse(raw) as roomBus.Envelope,
  Inbox: class DeliverEverything {
    constructor(readonly self: string) {}
    accept(): roomBus.Verdict {
      return 'deliver';
    }
    forget(): void {}
  } as unknown as RoomBus['Inbox'],
  defaultBackoff: { baseMs: 1000, maxMs: 1000 },
  reconnectDelay: () => 1000,
  presenceKey: (room, origin) => `${room}:${origin}`,
  presenceTotal: (values) => values.length,
};
