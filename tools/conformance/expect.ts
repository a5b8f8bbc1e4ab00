/**
 * What a case expects back, read frame by frame off a {@link RawClient}.
 *
 * "Fail the WebSocket Connection" (RFC 6455 §7.1.7) allows two behaviours, and both pass here as they
 * do in Autobahn|Testsuite: a Close frame with the right code followed by the TCP close, or the TCP
 * close alone. If a Close frame is sent, its code must be the right one.
 */
import { fail } from './case.ts';
import type { RawClient } from './client.ts';
import { bytes, close, Opcode, pong, type ServerFrame } from './frames.ts';
import { escape, shortHex } from './format.ts';

/** A whole message the server sent, its fragments joined. */
export interface Message {
  opcode: number;
  payload: Uint8Array;
}

/** A frame in words: `text 'Hello' (5 bytes)`, `close 1002 'bad'`, `pong (0 bytes)`. */
export function describeFrame(frame: ServerFrame): string {
  const fin = frame.fin ? '' : ' (FIN=0)';
  switch (frame.opcode) {
    case Opcode.Close: {
      const { code, reason } = parseClose(frame.payload);
      return code === undefined ? `close frame with no code${fin}` : `close ${code}${reason ? ` '${escape(reason)}'` : ''}${fin}`;
    }
    case Opcode.Text:
      return `text frame '${escape(new TextDecoder().decode(frame.payload.subarray(0, 40)))}' (${frame.payload.length} bytes)${fin}`;
    default: {
      const name = { [Opcode.Binary]: 'binary', [Opcode.Ping]: 'ping', [Opcode.Pong]: 'pong', [Opcode.Continuation]: 'continuation' }[frame.opcode];
      return `${name} frame [${shortHex(frame.payload, 16)}] (${frame.payload.length} bytes)${fin}`;
    }
  }
}

/** The code and reason of a close payload (reason decoded leniently, for display). */
export function parseClose(payload: Uint8Array): { code?: number; reason: string } {
  if (payload.length < 2) return { reason: '' };
  return { code: (payload[0]! << 8) | payload[1]!, reason: new TextDecoder().decode(payload.subarray(2)) };
}

/** The next frame, answering and skipping any ping the server sends on its own (keepalive). */
async function nextFrame(client: RawClient): Promise<ServerFrame | null> {
  for (;;) {
    const frame = await client.readFrame();
    if (frame?.opcode !== Opcode.Ping) return frame;
    client.write(pong(frame.payload));
  }
}

/** Read one message, joining fragments; control frames in between are returned as they come. */
export async function readMessageOrControl(client: RawClient): Promise<ServerFrame | Message | null> {
  const first = await nextFrame(client);
  if (!first || first.opcode >= Opcode.Close) return first;
  if (first.fin && first.opcode !== Opcode.Continuation) return { opcode: first.opcode, payload: first.payload };
  if (first.opcode === Opcode.Continuation) fail(`the server sent a continuation frame with no message started (RFC 6455 §5.4)`);
  const parts = [first.payload];
  for (;;) {
    const next = await nextFrame(client);
    if (!next) fail(`TCP closed in the middle of a fragmented ${first.opcode === Opcode.Text ? 'text' : 'binary'} message from the server`);
    if (next.opcode >= Opcode.Close) fail(`expected the rest of the server's fragmented message, got ${describeFrame(next)}`);
    if (next.opcode !== Opcode.Continuation) fail(`the server started a new message inside a fragmented one (RFC 6455 §5.4)`);
    parts.push(next.payload);
    if (next.fin) return { opcode: first.opcode, payload: Buffer.concat(parts) };
  }
}

function isFrame(value: ServerFrame | Message): value is ServerFrame {
  return 'raw' in value;
}

function describe(value: ServerFrame | Message | null): string {
  if (value === null) return 'TCP closed';
  if (isFrame(value)) return describeFrame(value);
  return describeFrame({ ...value, fin: true, rsv: 0, raw: new Uint8Array(0) });
}

const opcodeName = (opcode: number): string => (opcode === Opcode.Text ? 'text' : 'binary');

/** The next message must be `payload` as a text or binary message (fragmented or not). */
export async function expectMessage(client: RawClient, opcode: number, payload: Uint8Array | string): Promise<void> {
  const want = bytes(payload);
  client.expecting = `the echo of a ${opcodeName(opcode)} message of ${want.length} bytes`;
  const got = await readMessageOrControl(client);
  const name = `${opcodeName(opcode)} message`;
  if (got === null || isFrame(got)) fail(`expected the echo of a ${name} (${want.length} bytes), got ${describe(got)}`);
  if (got.opcode !== opcode) fail(`expected a ${name} echoed, got a ${opcodeName(got.opcode)} message`);
  if (!Buffer.from(got.payload).equals(want)) {
    fail(`the echoed ${name} differs: expected ${want.length} bytes [${shortHex(want, 16)}], got ${got.payload.length} bytes [${shortHex(got.payload, 16)}]`);
  }
}

/** Shorthand for an echoed text message. */
export const expectText = (client: RawClient, payload: Uint8Array | string): Promise<void> =>
  expectMessage(client, Opcode.Text, payload);

/** The next frame must be a pong carrying `payload` (RFC 6455 §5.5.3). */
export async function expectPong(client: RawClient, payload: Uint8Array | string = ''): Promise<void> {
  const want = bytes(payload);
  client.expecting = `a pong with ${want.length} payload bytes`;
  const got = await readMessageOrControl(client);
  if (got === null || !isFrame(got) || got.opcode !== Opcode.Pong) {
    fail(`expected a pong echoing the ping's ${want.length} bytes (RFC 6455 §5.5.3), got ${describe(got)}`);
  }
  if (!Buffer.from(got.payload).equals(want)) {
    fail(`the pong must carry the ping's payload (RFC 6455 §5.5.3): expected [${shortHex(want, 16)}], got [${shortHex(got.payload, 16)}]`);
  }
}

/**
 * The server must fail the connection with `code`: a close frame with exactly that code (then TCP
 * close once the client answers), or TCP close straight away. `why` names the rule, with its section.
 */
export async function expectFailure(client: RawClient, code: number, why: string): Promise<void> {
  client.expecting = `close ${code} or TCP close (${why})`;
  const got = await readMessageOrControl(client);
  if (got === null) return;
  if (!isFrame(got) || got.opcode !== Opcode.Close) fail(`expected the connection to fail with ${code} (${why}), got ${describe(got)}`);
  const received = parseClose(got.payload).code;
  if (received !== code) fail(`expected close ${code} (${why}), got ${describe(got)}`);
  client.write(close(code));
  await expectTcpClose(client, `TCP close after the close frames were exchanged (RFC 6455 §7.1.1)`);
}

/**
 * After the client sent a close frame: the server answers with one close frame whose code is in
 * `codes` (`undefined` = no code), then closes TCP (RFC 6455 §5.5.1, §7.1.1). No data in between.
 */
export async function expectCloseReply(client: RawClient, codes: Array<number | undefined>, why = 'RFC 6455 §5.5.1'): Promise<void> {
  const wanted = codes.map((code) => (code === undefined ? 'no code' : String(code))).join(' or ');
  client.expecting = `a close frame with ${wanted} in reply (${why})`;
  const got = await readMessageOrControl(client);
  if (got === null) fail(`expected a close frame with ${wanted} in reply (${why}), got TCP closed without one`);
  if (!isFrame(got) || got.opcode !== Opcode.Close) fail(`expected a close frame with ${wanted} in reply (${why}), got ${describe(got)}`);
  const received = parseClose(got.payload).code;
  if (!codes.includes(received)) fail(`expected a close frame with ${wanted} (${why}), got ${describe(got)}`);
  await expectTcpClose(client, 'the server to close TCP after the closing handshake (RFC 6455 §7.1.1)');
}

/** No further frame; the server closes TCP. */
export async function expectTcpClose(client: RawClient, why: string): Promise<void> {
  client.expecting = why;
  const got = await nextFrame(client);
  if (got !== null) fail(`expected ${why}, got ${describeFrame(got)}`);
}
