/**
 * What a case expects back, read frame by frame off a {@link RawClient}.
 *
 * "Fail the WebSocket Connection" (RFC 6455 §7.1.7) allows two behaviours, and both pass here as they
 * do in Autobahn|Testsuite: a Close frame with the right code followed by the TCP close, or the TCP
 * close alone. If a Close frame is sent, its code must be the right one.
 */
import { Opcode, opcodeName } from '../../core/frame.ts';
import { fail } from './case.ts';
import { close, concatBytes, describeFrame, hex, pong, toBytes, type FrameRead, type RawClient } from '../wire/index.ts';

/** A whole message the server sent, its fragments joined. */
export interface Message {
  opcode: number;
  payload: Uint8Array;
}

/** The next frame, answering and skipping any ping the server sends on its own (keepalive). */
async function nextFrame(client: RawClient): Promise<FrameRead | null> {
  for (;;) {
    const frame = await client.readFrameOrClose();
    if (frame?.opcode !== Opcode.Ping) return frame;
    client.write(pong(frame.payload));
  }
}

/** Read one message, joining fragments; control frames in between are returned as they come. */
export async function readMessageOrControl(client: RawClient): Promise<FrameRead | Message | null> {
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
    if (next.fin) return { opcode: first.opcode, payload: concatBytes(...parts) };
  }
}

/** A frame read between messages (a control frame), as opposed to a whole message. */
export function isFrame(value: FrameRead | Message): value is FrameRead {
  return 'header' in value;
}

function describe(value: FrameRead | Message | null): string {
  if (value === null) return 'TCP closed';
  if (isFrame(value)) return describeFrame(value);
  return describeFrame({ ...value, fin: true });
}

/** The next message must be `payload` as a text or binary message (fragmented or not). */
export async function expectMessage(client: RawClient, opcode: number, payload: Uint8Array | string): Promise<void> {
  const want = toBytes(payload);
  client.expecting = `the echo of a ${opcodeName(opcode)} message of ${want.length} bytes`;
  const got = await readMessageOrControl(client);
  const name = `${opcodeName(opcode)} message`;
  if (got === null || isFrame(got)) fail(`expected the echo of a ${name} (${want.length} bytes), got ${describe(got)}`);
  if (got.opcode !== opcode) fail(`expected a ${name} echoed, got a ${opcodeName(got.opcode)} message`);
  if (!Buffer.from(got.payload).equals(want)) {
    fail(`the echoed ${name} differs: expected ${want.length} bytes [${hex(want, 16)}], got ${got.payload.length} bytes [${hex(got.payload, 16)}]`);
  }
}

/** Shorthand for an echoed text message. */
export const expectText = (client: RawClient, payload: Uint8Array | string): Promise<void> =>
  expectMessage(client, Opcode.Text, payload);

/** The next frame must be a pong carrying `payload` (RFC 6455 §5.5.3). */
export async function expectPong(client: RawClient, payload: Uint8Array | string = ''): Promise<void> {
  const want = toBytes(payload);
  client.expecting = `a pong with ${want.length} payload bytes`;
  const got = await readMessageOrControl(client);
  if (got === null || !isFrame(got) || got.opcode !== Opcode.Pong) {
    fail(`expected a pong echoing the ping's ${want.length} bytes (RFC 6455 §5.5.3), got ${describe(got)}`);
  }
  if (!Buffer.from(got.payload).equals(want)) {
    fail(`the pong must carry the ping's payload (RFC 6455 §5.5.3): expected [${hex(want, 16)}], got [${hex(got.payload, 16)}]`);
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
  const received = got.closeCode;
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
  const received = got.closeCode;
  if (!codes.includes(received)) fail(`expected a close frame with ${wanted} (${why}), got ${describe(got)}`);
  await expectTcpClose(client, 'the server to close TCP after the closing handshake (RFC 6455 §7.1.1)');
}

/** No further frame; the server closes TCP. */
export async function expectTcpClose(client: RawClient, why: string): Promise<void> {
  client.expecting = why;
  const got = await nextFrame(client);
  if (got !== null) fail(`expected ${why}, got ${describeFrame(got)}`);
}
