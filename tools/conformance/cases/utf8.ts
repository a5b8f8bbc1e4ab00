/**
 * Family 6, UTF-8 (chapter 07): a text message must be valid UTF-8 (RFC 6455 §5.6, §8.1; RFC 3629),
 * else the connection fails with 1007. Overlong forms, surrogates (U+D800–U+DFFF), code points above
 * U+10FFFF and truncated sequences are invalid; noncharacters such as U+FFFE and U+FFFF are valid.
 *
 * The "fail fast" cases send an invalid fragment and never the rest: the RFC lets a server wait for
 * the end of the message, but this project validates as fragments arrive (Autobahn's strict
 * behaviour), so the 1007 must come while the message is still open.
 */
import type { Case } from '../case.ts';
import { expectFailure, expectMessage, expectText } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { binary, clientFrame, concatBytes, fromHex, text } from '../../wire/index.ts';

const WHY = 'RFC 6455 §8.1: a text message that is not valid UTF-8 fails the connection';
const chapter = 7 as const;

const valid: Array<[string, string]> = [
  ['Latin-1 and ASCII mix', Buffer.from('Hello-µ@ßöäüàá-UTF-8!!').toString('hex')],
  ['Greek κόσμε (2- and 3-byte sequences)', 'ce ba e1 bd b9 cf 83 ce bc ce b5'],
  ['first and last code point of every sequence length', '00 7f c2 80 df bf e0 a0 80 ef bf bf f0 90 80 80 f4 8f bf bf'],
  ['noncharacters U+FFFE and U+FFFF are valid UTF-8', 'ef bf be ef bf bf'],
  ['U+FEFF byte order mark and U+FFFD replacement character', 'ef bb bf ef bf bd'],
  ['every ASCII byte including NUL', Buffer.from(Array.from({ length: 128 }, (_, i) => i)).toString('hex')],
];

const invalid: Array<[string, string]> = [
  ['lone continuation byte 0x80', '61 80 62'],
  ['overlong 2-byte "/" (C0 AF)', 'c0 af'],
  ['overlong 2-byte U+007F (C1 BF)', 'c1 bf'],
  ['overlong 3-byte "/" (E0 80 AF)', 'e0 80 af'],
  ['overlong 4-byte "/" (F0 80 80 AF)', 'f0 80 80 af'],
  ['surrogate U+D800 (ED A0 80)', 'ed a0 80'],
  ['surrogate U+DFFF (ED BF BF)', 'ed bf bf'],
  ['surrogate pair encoded as two 3-byte sequences', 'ed a0 80 ed b0 80'],
  ['code point above U+10FFFF (F4 90 80 80)', 'f4 90 80 80'],
  ['byte 0xFE, never valid in UTF-8', '61 fe 62'],
  ['text truncated in a 3-byte sequence at the end', '61 62 63 e2 82'],
  ['text truncated after a lone lead byte at the end', 'ce ba c3'],
];

/** `bytes` split into one-byte fragments of a text message. */
function byteFragments(bytes: Uint8Array): Uint8Array[] {
  return [...bytes].map((byte, index) =>
    clientFrame({ opcode: index === 0 ? Opcode.Text : Opcode.Continuation, payload: Uint8Array.of(byte), fin: index === bytes.length - 1 }),
  );
}

export const utf8Cases: Case[] = [
  ...valid.map(
    ([title, bytes], index): Case => ({
      id: `6.1.${index + 1}`,
      title: `valid text: ${title}`,
      chapter,
      async run(context) {
        const client = await context.open();
        client.write(text(fromHex(bytes)));
        await expectText(client, fromHex(bytes));
      },
    }),
  ),
  {
    id: '6.2.1',
    title: 'valid text in one-byte fragments, split inside code points',
    chapter,
    async run(context) {
      const payload = fromHex('ce ba e1 bd b9 cf 83 ce bc ce b5 f0 9f 98 80');
      const client = await context.open();
      client.write(concatBytes(...byteFragments(payload)));
      await expectText(client, payload);
    },
  },
  {
    id: '6.2.2',
    title: 'valid 4-byte code point split across two fragments (F0 9F | 98 80)',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text(fromHex('61 f0 9f'), { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: fromHex('98 80 62') })));
      await expectText(client, fromHex('61 f0 9f 98 80 62'));
    },
  },
  {
    id: '6.2.3',
    title: 'binary message with invalid UTF-8 is echoed untouched',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(binary(fromHex('c0 af ed a0 80 ff fe')));
      await expectMessage(client, Opcode.Binary, fromHex('c0 af ed a0 80 ff fe'));
    },
  },
  ...invalid.map(
    ([title, bytes], index): Case => ({
      id: `6.3.${index + 1}`,
      title: `invalid text fails with 1007: ${title}`,
      chapter,
      async run(context) {
        const client = await context.open();
        client.write(concatBytes(text('valid first'), text(fromHex(bytes))));
        await expectText(client, 'valid first');
        await expectFailure(client, 1007, WHY);
      },
    }),
  ),
  {
    id: '6.4.1',
    title: 'invalid sequence split across fragments (F4 | 90 80 80) fails with 1007',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text(fromHex('61 f4'), { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: fromHex('90 80 80') })));
      await expectFailure(client, 1007, WHY);
    },
  },
  {
    id: '6.4.2',
    title: 'last fragment truncated inside a 4-byte sequence fails with 1007',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('κόσμε', { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: fromHex('f0 9f 98') })));
      await expectFailure(client, 1007, WHY);
    },
  },
  {
    id: '6.5.1',
    title: 'fail fast: invalid byte in the first fragment, rest never sent → 1007',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(text(fromHex('68 65 6c 6c 6f c0 af'), { fin: false }));
      await expectFailure(client, 1007, `${WHY}; this project fails fast, before the message ends`);
    },
  },
  {
    id: '6.5.2',
    title: 'fail fast: surrogate in the second fragment, rest never sent → 1007',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('valid start ', { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: fromHex('ed a0 80'), fin: false })));
      await expectFailure(client, 1007, `${WHY}; this project fails fast, before the message ends`);
    },
  },
  {
    id: '6.5.3',
    title: 'fail fast: sequence split across fragments (F4 | 90), rest never sent → 1007',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text(fromHex('61 f4'), { fin: false }), clientFrame({ opcode: Opcode.Continuation, payload: fromHex('90'), fin: false })));
      await expectFailure(client, 1007, `${WHY}; this project fails fast, before the message ends`);
    },
  },
];
