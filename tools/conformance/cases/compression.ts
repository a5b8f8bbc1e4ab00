/**
 * Families 12 and 13, permessage-deflate (chapter 13, RFC 7692), in the manner of Autobahn's
 * families of the same numbers: compressed echoes of text and binary messages from 16 bytes to
 * 128 KiB under every negotiation parameter a client may offer, then the negotiation's refusals
 * and the frames a server must refuse once compression is on.
 *
 * These cases run against a server started with compression on (`--deflate`); case 13.0.1 runs
 * against one with it off and checks that the offer is declined. The client side (tools/wire's
 * deflate.ts) is a long-lived zlib stream per direction, not the reference's code.
 */
import type { Case, CaseContext } from '../case.ts';
import { fail } from '../case.ts';
import { expectFailure, expectPong, expectText } from '../expect.ts';
import { Opcode, opcodeName } from '../../../core/frame.ts';
import {
  DeflateSession,
  clientFrame,
  concatBytes,
  describeFrame,
  escaped,
  fromHex,
  hex,
  parseDeflateAnswer,
  ping,
  pong,
  text,
  type DeflateAnswer,
  type RawClient,
} from '../../wire/index.ts';

/** An open connection that agreed to permessage-deflate. */
interface Compressed {
  client: RawClient;
  answer: DeflateAnswer;
  session: DeflateSession;
}

/**
 * The handshake with `offer` in `Sec-WebSocket-Extensions` (null: no header). Resolves with the
 * client and the server's answer: null when it declined. Fails the case on a refusal.
 */
async function handshake(context: CaseContext, offer: string | null): Promise<{ client: RawClient; answer: DeflateAnswer | null }> {
  const client = await context.connect();
  client.write(context.request({ headers: offer === null ? {} : { 'Sec-WebSocket-Extensions': offer } }));
  client.expecting = `the 101 answer to a handshake offering "${offer}"`;
  const head = await client.readHttpResponseOrClose();
  if (!head) fail(`the handshake offering "${offer}" got no answer: TCP closed`);
  if (head.status !== 101) {
    fail(`the handshake offering "${offer}" was refused: "${escaped(head.statusLine, 60)}"; an unusable offer is declined, not refused (RFC 7692 §5)`);
  }
  const answer = parseDeflateAnswer(head.headers.get('sec-websocket-extensions'));
  if (typeof answer === 'string') fail(answer);
  if (answer !== null) client.allowRsv1 = true;
  return { client, answer };
}

/** The handshake with `offer`, which the server must accept. */
async function openCompressed(context: CaseContext, offer: string): Promise<Compressed> {
  const { client, answer } = await handshake(context, offer);
  if (answer === null) fail(`the server declined "${offer}", an offer it can honour (RFC 7692 §7.1); is it running with --deflate?`);
  return { client, answer, session: new DeflateSession(answer) };
}

/** A whole message from the server, inflated when its first frame had RSV1; null for TCP closed. */
async function readMessage(
  { client, session }: Compressed,
): Promise<{ opcode: number; payload: Uint8Array; compressed: boolean } | { control: number } | null> {
  let first = await client.readFrameOrClose();
  while (first?.opcode === Opcode.Ping) {
    client.write(pong(first.payload));
    first = await client.readFrameOrClose();
  }
  if (first === null) return null;
  if (first.opcode >= Opcode.Close) return { control: first.opcode };
  const parts = [first.payload];
  let last = first;
  while (!last.fin) {
    const next = await client.readFrameOrClose();
    if (next === null) fail(`TCP closed inside a fragmented message from the server (after ${describeFrame(last)})`);
    if (next.opcode >= Opcode.Close) continue;
    if (next.opcode !== Opcode.Continuation) fail(`the server started a new message inside a fragmented one (RFC 6455 §5.4)`);
    parts.push(next.payload);
    last = next;
  }
  const joined = concatBytes(...parts);
  if (!first.rsv1) return { opcode: first.opcode, payload: joined, compressed: false };
  try {
    return { opcode: first.opcode, payload: await session.decompress(joined), compressed: true };
  } catch (error) {
    fail(`the server's compressed ${opcodeName(first.opcode)} message [${hex(joined, 16)}] does not inflate: ${(error as Error).message} (RFC 7692 §7.2.1)`);
  }
}

/** The next message must be `want` as a message of type `opcode`, compressed or not. */
async function expectEcho(connection: Compressed, opcode: number, want: Uint8Array, index: number): Promise<void> {
  connection.client.expecting = `the echo of message ${index + 1}, a ${opcodeName(opcode)} message of ${want.length} bytes`;
  const got = await readMessage(connection);
  if (got === null) fail(`expected the echo of message ${index + 1} (${want.length} bytes), got TCP closed`);
  if ('control' in got) fail(`expected the echo of message ${index + 1} (${want.length} bytes), got a ${opcodeName(got.control)} frame`);
  if (got.opcode !== opcode) fail(`expected a ${opcodeName(opcode)} echo, got a ${opcodeName(got.opcode)} message`);
  if (!Buffer.from(got.payload).equals(want)) {
    fail(
      `echo ${index + 1} differs${got.compressed ? ' once inflated' : ''}: expected ${want.length} bytes [${hex(want, 16)}], ` +
        `got ${got.payload.length} bytes [${hex(got.payload, 16)}]`,
    );
  }
}

/** A compressed client message of `data`, in `fragments` frames (RSV1 on the first only, RFC 7692 §6.1). */
async function compressedFrames(session: DeflateSession, opcode: number, data: Uint8Array, fragments = 1): Promise<Uint8Array> {
  const payload = await session.compress(data);
  const size = Math.ceil(payload.length / fragments);
  const frames: Uint8Array[] = [];
  for (let at = 0, index = 0; index < fragments; index++, at += size) {
    frames.push(
      clientFrame({
        opcode: index === 0 ? opcode : Opcode.Continuation,
        rsv1: index === 0,
        fin: index === fragments - 1,
        payload: payload.subarray(Math.min(at, payload.length), Math.min(at + size, payload.length)),
      }),
    );
  }
  return concatBytes(...frames);
}

/** Deterministic pseudo-random numbers, so a failing case can be run again with the same bytes. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const WORDS = ['user', 'alice', 'bob', 'id', 'price', 'qty', 'items', 'status', 'ok', 'message', 'éclair', 'naïve', '数据', 'true', 'null'];

/** `size` bytes of JSON-like UTF-8 text, which compresses (the kind of text compression is for). */
function compressibleText(size: number, seed: number): Uint8Array {
  const random = generator(seed);
  const parts: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const part = Buffer.from(`{"${WORDS[Math.floor(random() * WORDS.length)]}":${Math.floor(random() * 1000)}},`);
    // A part that does not fit is replaced by ASCII padding, so the text ends on a whole character.
    if (length + part.length > size) break;
    parts.push(part);
    length += part.length;
  }
  parts.push(Buffer.alloc(size - length, 0x20));
  return Buffer.concat(parts);
}

/** `size` random bytes, which do not compress. */
function randomBytes(size: number, seed: number): Uint8Array {
  const random = generator(seed);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];
const MESSAGES = 10;

/** Sends MESSAGES messages at once, then expects their echoes in the same order. */
async function echoMany(connection: Compressed, opcode: number, make: (index: number) => Uint8Array, fragments = 1): Promise<void> {
  const sent: Uint8Array[] = [];
  const frames: Uint8Array[] = [];
  for (let index = 0; index < MESSAGES; index++) {
    const data = make(index);
    sent.push(data);
    frames.push(await compressedFrames(connection.session, opcode, data, fragments));
  }
  connection.client.write(concatBytes(...frames));
  for (let index = 0; index < sent.length; index++) await expectEcho(connection, opcode, sent[index]!, index);
  connection.session.close();
}

function sizeName(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

/** Family 12: the payloads, with the offer every browser sends. */
const BROWSER_OFFER = 'permessage-deflate; client_max_window_bits';

interface Payload {
  name: string;
  opcode: number;
  make: (size: number, index: number) => Uint8Array;
  fragments: number;
}

const PAYLOADS: Payload[] = [
  { name: 'compressible text', opcode: Opcode.Text, make: (size, index) => compressibleText(size, size + index), fragments: 1 },
  { name: 'compressible binary', opcode: Opcode.Binary, make: (size, index) => compressibleText(size, 7 * size + index), fragments: 1 },
  { name: 'random binary (does not compress)', opcode: Opcode.Binary, make: (size, index) => randomBytes(size, size + index), fragments: 1 },
  { name: 'compressible text in 4 fragments', opcode: Opcode.Text, make: (size, index) => compressibleText(size, 3 * size + index), fragments: 4 },
];

const payloadCases: Case[] = PAYLOADS.flatMap((payload, family) =>
  SIZES.map(
    (size, index): Case => ({
      id: `12.${family + 1}.${index + 1}`,
      title: `${MESSAGES} messages of ${sizeName(size)} ${payload.name}, compressed, echoed in order`,
      chapter: 13,
      deflate: true,
      timeoutMs: 5000,
      async run(context) {
        const connection = await openCompressed(context, BROWSER_OFFER);
        await echoMany(connection, payload.opcode, (message) => payload.make(size, message), payload.fragments);
      },
    }),
  ),
);

/** Family 13: every parameter combination a client may offer (RFC 7692 §7.1), Autobahn's 13.1–13.7 and more. */
const OFFERS: string[] = [
  'permessage-deflate',
  'permessage-deflate; client_no_context_takeover',
  'permessage-deflate; client_max_window_bits=8',
  'permessage-deflate; client_max_window_bits=15',
  'permessage-deflate; client_no_context_takeover; client_max_window_bits=8',
  'permessage-deflate; client_no_context_takeover; client_max_window_bits=15',
  'permessage-deflate; client_no_context_takeover; client_max_window_bits=8, permessage-deflate; client_no_context_takeover, permessage-deflate',
  'permessage-deflate; server_no_context_takeover',
  'permessage-deflate; server_max_window_bits=9',
  'permessage-deflate; server_max_window_bits=12; server_no_context_takeover; client_no_context_takeover',
];

const parameterCases: Case[] = OFFERS.flatMap((offer, family) =>
  SIZES.map(
    (size, index): Case => ({
      id: `13.${family + 1}.${index + 1}`,
      title: `offer "${offer}": ${MESSAGES} texts of ${sizeName(size)}, compressed both ways`,
      chapter: 13,
      deflate: true,
      timeoutMs: 5000,
      async run(context) {
        const connection = await openCompressed(context, offer);
        if (offer.includes('server_no_context_takeover') && !connection.answer.serverNoContextTakeover) {
          fail(`the client asked for server_no_context_takeover; the answer must include it (RFC 7692 §7.1.1.1)`);
        }
        const asked = /server_max_window_bits=(\d+)/.exec(offer.split(',')[0]!)?.[1];
        if (asked !== undefined && (connection.answer.serverMaxWindowBits ?? 16) > Number(asked)) {
          fail(`the client asked for server_max_window_bits=${asked}; the answer must carry it, no larger (RFC 7692 §7.1.2.1)`);
        }
        await echoMany(connection, Opcode.Text, (message) => compressibleText(size, 11 * size + message));
      },
    }),
  ),
);

/** Offers the server must decline, with the handshake still accepted (RFC 7692 §5, §7.1). */
const DECLINED: Array<[string, string]> = [
  ['an unknown parameter', 'permessage-deflate; foo=1'],
  ['a repeated parameter', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover'],
  ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
  ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16'],
  ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7'],
  ['a value on server_no_context_takeover', 'permessage-deflate; server_no_context_takeover=true'],
  ['a window with a leading zero', 'permessage-deflate; server_max_window_bits=09'],
  ['another extension only', 'x-webkit-deflate-frame'],
  ['a header that does not parse', 'permessage-deflate; ="'],
];

const negotiationCases: Case[] = [
  ...DECLINED.map(
    ([what, offer], index): Case => ({
      id: `13.11.${index + 1}`,
      title: `an offer with ${what} is declined, and the connection works uncompressed`,
      chapter: 13,
      deflate: true,
      async run(context) {
        const { client, answer } = await handshake(context, offer);
        if (answer !== null) fail(`the server accepted "${offer}"; an offer with ${what} is unusable and must be declined (RFC 7692 §7.1)`);
        client.write(text('still here'));
        await expectText(client, 'still here');
      },
    }),
  ),
  {
    id: '13.11.10',
    title: 'the first usable offer wins: a bad first offer is skipped for the second',
    chapter: 13,
    deflate: true,
    async run(context) {
      const offer = 'permessage-deflate; foo, permessage-deflate; client_no_context_takeover; server_max_window_bits=10, permessage-deflate';
      const connection = await openCompressed(context, offer);
      const { answer } = connection;
      if (!answer.clientNoContextTakeover || answer.serverMaxWindowBits !== 10) {
        fail(`expected the second offer's parameters in the answer (client_no_context_takeover; server_max_window_bits=10), got ${JSON.stringify(answer)} (RFC 7692 §5)`);
      }
      await echoMany(connection, Opcode.Text, (message) => compressibleText(2048, message));
    },
  },
  {
    id: '13.0.1',
    title: 'with compression off, an offer is declined and RSV1 stays a protocol error',
    chapter: 13,
    deflate: false,
    async run(context) {
      const { client, answer } = await handshake(context, BROWSER_OFFER);
      if (answer !== null) fail(`the server accepted "${BROWSER_OFFER}", but it runs without compression (start it without --deflate)`);
      client.write(concatBytes(text('plain'), clientFrame({ opcode: Opcode.Text, rsv1: true, payload: fromHex('f2 48 cd c9 c9 07 00') })));
      await expectText(client, 'plain');
      await expectFailure(client, 1002, 'RFC 6455 §5.2: RSV1 without a negotiated extension');
    },
  },
];

/** The RFC's own bytes (RFC 7692 §7.2.3), sent as they are written there. */
const HELLO_EXAMPLES: Array<[string, string[]]> = [
  ['RFC 7692 §7.2.3.1, one compressed block', ['f2 48 cd c9 c9 07 00']],
  ['RFC 7692 §7.2.3.1, in two fragments', ['f2 48', 'cd c9 c9 07 00']],
  ['RFC 7692 §7.2.3.3, a stored block', ['00 05 00 fa ff 48 65 6c 6c 6f 00']],
  ['RFC 7692 §7.2.3.4, a block with BFINAL set', ['f3 48 cd c9 c9 07 00 00']],
  ['RFC 7692 §7.2.3.5, two blocks', ['f2 48 05 00 00 00 ff ff ca c9 c9 07 00']],
  ['RFC 7692 §7.2.3.1, then an empty continuation frame', ['f2 48 cd c9 c9 07 00', '']],
];

const WHY_RSV1 = 'RFC 7692 §6.1: RSV1 is set on the first frame of a compressed data message only';

const frameCases: Case[] = [
  ...HELLO_EXAMPLES.map(
    ([what, fragments], index): Case => ({
      id: `13.12.${index + 1}`,
      title: `RFC 7692 ${what}: "Hello" is echoed`,
      chapter: 13,
      deflate: true,
      async run(context) {
        const connection = await openCompressed(context, BROWSER_OFFER);
        const frames = fragments.map((bytes, at) =>
          clientFrame({ opcode: at === 0 ? Opcode.Text : Opcode.Continuation, rsv1: at === 0, fin: at === fragments.length - 1, payload: fromHex(bytes) }),
        );
        connection.client.write(concatBytes(...frames));
        await expectEcho(connection, Opcode.Text, Buffer.from('Hello'), 0);
      },
    }),
  ),
  {
    id: '13.12.7',
    title: 'RFC 7692 §7.2.3.2: the second "Hello" (f2 00 11 00 00) points into the first',
    chapter: 13,
    deflate: true,
    async run(context) {
      const connection = await openCompressed(context, BROWSER_OFFER);
      connection.client.write(
        concatBytes(
          clientFrame({ opcode: Opcode.Text, rsv1: true, payload: fromHex('f2 48 cd c9 c9 07 00') }),
          clientFrame({ opcode: Opcode.Text, rsv1: true, payload: fromHex('f2 00 11 00 00') }),
        ),
      );
      await expectEcho(connection, Opcode.Text, Buffer.from('Hello'), 0);
      await expectEcho(connection, Opcode.Text, Buffer.from('Hello'), 1);
    },
  },
  {
    id: '13.12.8',
    title: 'compressed and uncompressed messages alternate, a ping in the middle of a fragmented one',
    chapter: 13,
    deflate: true,
    async run(context) {
      const connection = await openCompressed(context, BROWSER_OFFER);
      const { client, session } = connection;
      const big = compressibleText(5000, 1);
      const payload = await session.compress(big);
      client.write(
        concatBytes(
          text('plain one'),
          clientFrame({ opcode: Opcode.Text, rsv1: true, fin: false, payload: payload.subarray(0, 10) }),
          ping('in between'),
          clientFrame({ opcode: Opcode.Continuation, fin: true, payload: payload.subarray(10) }),
          text('plain two'),
        ),
      );
      await expectEcho(connection, Opcode.Text, Buffer.from('plain one'), 0);
      await expectPong(client, 'in between');
      await expectEcho(connection, Opcode.Text, big, 1);
      await expectEcho(connection, Opcode.Text, Buffer.from('plain two'), 2);
    },
  },
  {
    id: '13.13.1',
    title: 'RSV1 on a ping fails with 1002',
    chapter: 13,
    deflate: true,
    async run(context) {
      const { client } = await openCompressed(context, BROWSER_OFFER);
      client.write(clientFrame({ opcode: Opcode.Ping, rsv1: true, payload: 'x' }));
      await expectFailure(client, 1002, WHY_RSV1);
    },
  },
  {
    id: '13.13.2',
    title: 'RSV1 on a continuation frame fails with 1002',
    chapter: 13,
    deflate: true,
    async run(context) {
      const { client, session } = await openCompressed(context, BROWSER_OFFER);
      const payload = await session.compress(Buffer.from('Hello, fragments'));
      client.write(
        concatBytes(
          clientFrame({ opcode: Opcode.Text, rsv1: true, fin: false, payload: payload.subarray(0, 4) }),
          clientFrame({ opcode: Opcode.Continuation, rsv1: true, payload: payload.subarray(4) }),
        ),
      );
      await expectFailure(client, 1002, WHY_RSV1);
    },
  },
  {
    id: '13.13.3',
    title: 'RSV1 on a close frame fails with 1002',
    chapter: 13,
    deflate: true,
    async run(context) {
      const { client } = await openCompressed(context, BROWSER_OFFER);
      client.write(clientFrame({ opcode: Opcode.Close, rsv1: true, payload: fromHex('03 e8') }));
      await expectFailure(client, 1002, WHY_RSV1);
    },
  },
  {
    id: '13.13.4',
    title: 'data that is not DEFLATE fails with 1007',
    chapter: 13,
    deflate: true,
    async run(context) {
      const { client } = await openCompressed(context, BROWSER_OFFER);
      // BTYPE 11 (reserved, RFC 1951 §3.2.3): no inflater accepts it.
      client.write(clientFrame({ opcode: Opcode.Text, rsv1: true, payload: fromHex('ff ff ff ff') }));
      await expectFailure(client, 1007, 'the payload does not inflate: not what the message claims to be (RFC 6455 §7.4.1)');
    },
  },
  {
    id: '13.13.5',
    title: 'a compressed text that inflates to invalid UTF-8 fails with 1007',
    chapter: 13,
    deflate: true,
    async run(context) {
      const { client, session } = await openCompressed(context, BROWSER_OFFER);
      client.write(await compressedFrames(session, Opcode.Text, fromHex('48 65 6c 6c 6f ff')));
      await expectFailure(client, 1007, 'RFC 6455 §8.1: a text message, once inflated, must be UTF-8');
    },
  },
  {
    id: '13.13.6',
    title: 'a small frame that inflates past the message limit fails with 1009 (a zip bomb)',
    chapter: 13,
    deflate: true,
    timeoutMs: 10_000,
    async run(context) {
      const { client, session } = await openCompressed(context, BROWSER_OFFER);
      const bomb = await compressedFrames(session, Opcode.Binary, new Uint8Array(context.maxMessageSize + 1));
      if (bomb.length > context.maxMessageSize / 100) fail(`the bomb is ${bomb.length} bytes: not small enough to prove anything`);
      client.write(bomb);
      await expectFailure(client, 1009, 'RFC 6455 §10.4: the limit applies to the inflated message');
    },
  },
];

export const compressionCases: Case[] = [...payloadCases, ...parameterCases, ...negotiationCases, ...frameCases];
