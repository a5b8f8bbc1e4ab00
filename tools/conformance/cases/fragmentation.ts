/**
 * Family 5, fragmentation (chapter 07): a message may be split into a first frame with FIN=0, any
 * number of continuation frames, and a last one with FIN=1; control frames may come between the
 * fragments but are never fragmented themselves; a continuation with no message started, or a new
 * data frame inside a fragmented message, is a protocol error (RFC 6455 §5.4).
 */
import type { Case } from '../case.ts';
import { expectCloseReply, expectFailure, expectMessage, expectPong, expectText } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { binary, clientFrame, close, concatBytes, continuation, ping, pong, text } from '../../wire/index.ts';

const WHY_CONTROL = 'RFC 6455 §5.5: control frames MUST NOT be fragmented';
const WHY_ORDER = 'RFC 6455 §5.4: fragments of one message cannot interleave with another data frame';
const WHY_ORPHAN = 'RFC 6455 §5.4: a continuation frame needs a message started before it';

/** `parts` as a fragmented message: first frame `opcode` FIN=0, continuations, last FIN=1. */
function fragments(opcode: number, parts: Array<string | Uint8Array>): Uint8Array[] {
  return parts.map((part, index) =>
    clientFrame({ opcode: index === 0 ? opcode : Opcode.Continuation, payload: part, fin: index === parts.length - 1 }),
  );
}

const chapter = 7 as const;

export const fragmentationCases: Case[] = [
  {
    id: '5.1',
    title: 'fragmented ping fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(ping('frag', { fin: false }), continuation('ment')));
      await expectFailure(client, 1002, WHY_CONTROL);
    },
  },
  {
    id: '5.2',
    title: 'fragmented pong fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(pong('frag', { fin: false }), continuation('ment')));
      await expectFailure(client, 1002, WHY_CONTROL);
    },
  },
  {
    id: '5.3',
    title: 'fragmented text in 2 frames',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(...fragments(Opcode.Text, ['fragment1', 'fragment2'])));
      await expectText(client, 'fragment1fragment2');
    },
  },
  {
    id: '5.4',
    title: 'fragmented text in 3 frames',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(...fragments(Opcode.Text, ['one ', 'two ', 'three'])));
      await expectText(client, 'one two three');
    },
  },
  {
    id: '5.5',
    title: 'fragmented text, each frame in its own TCP write',
    chapter,
    async run(context) {
      const client = await context.open();
      for (const part of fragments(Opcode.Text, ['slow ', 'frag', 'ments'])) {
        client.write(part);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await expectText(client, 'slow fragments');
    },
  },
  {
    id: '5.6',
    title: 'fragmented binary in 2 frames',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(...fragments(Opcode.Binary, [Uint8Array.of(0, 1, 2), Uint8Array.of(0xfd, 0xfe, 0xff)])));
      await expectMessage(client, Opcode.Binary, Uint8Array.of(0, 1, 2, 0xfd, 0xfe, 0xff));
    },
  },
  {
    id: '5.7',
    title: 'ping between the fragments of a text message',
    chapter,
    needs: [8],
    async run(context) {
      const client = await context.open();
      const [first, last] = fragments(Opcode.Text, ['frag', 'ment']);
      client.write(concatBytes(first!, ping('in between'), last!));
      await expectPong(client, 'in between');
      await expectText(client, 'fragment');
    },
  },
  {
    id: '5.8',
    title: 'ping between fragments, each frame in its own TCP write',
    chapter,
    needs: [8],
    async run(context) {
      const client = await context.open();
      const [first, last] = fragments(Opcode.Text, ['frag', 'ment']);
      client.write(first!);
      client.write(ping('in between'));
      await expectPong(client, 'in between');
      client.write(last!);
      await expectText(client, 'fragment');
    },
  },
  {
    id: '5.9',
    title: 'unsolicited pong between fragments is ignored',
    chapter,
    needs: [8],
    async run(context) {
      const client = await context.open();
      const [first, last] = fragments(Opcode.Text, ['frag', 'ment']);
      client.write(concatBytes(first!, pong('unsolicited'), last!));
      await expectText(client, 'fragment');
    },
  },
  {
    id: '5.10',
    title: 'text in 40 fragments of one byte each',
    chapter,
    async run(context) {
      const client = await context.open();
      const message = 'forty one-byte fragments make a message.';
      client.write(concatBytes(...fragments(Opcode.Text, [...message])));
      await expectText(client, message);
    },
  },
  {
    id: '5.11',
    title: 'continuation frame (FIN=1) without a started message fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(continuation('orphan'), ping('must not be answered')));
      await expectFailure(client, 1002, WHY_ORPHAN);
    },
  },
  {
    id: '5.12',
    title: 'continuation frame (FIN=0) without a started message fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(continuation('orphan', { fin: false }), continuation('end')));
      await expectFailure(client, 1002, WHY_ORPHAN);
    },
  },
  {
    id: '5.13',
    title: 'continuation after a complete message fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('complete'), continuation('orphan')));
      await expectText(client, 'complete');
      await expectFailure(client, 1002, WHY_ORPHAN);
    },
  },
  {
    id: '5.14',
    title: 'new text frame inside a fragmented text message fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('started', { fin: false }), text('intruder'), continuation('end')));
      await expectFailure(client, 1002, WHY_ORDER);
    },
  },
  {
    id: '5.15',
    title: 'new binary start inside a fragmented binary message fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(binary('started', { fin: false }), binary('intruder', { fin: false }), continuation('end')));
      await expectFailure(client, 1002, WHY_ORDER);
    },
  },
  {
    id: '5.16',
    title: 'fragmented close frame fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(clientFrame({ opcode: Opcode.Close, payload: Uint8Array.of(0x03, 0xe8), fin: false }), continuation('')));
      await expectFailure(client, 1002, WHY_CONTROL);
    },
  },
  {
    id: '5.17',
    title: 'empty first, middle and last fragments',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(...fragments(Opcode.Text, ['', 'middle', '', 'end', ''])));
      await expectText(client, 'middleend');
    },
  },
  {
    id: '5.18',
    title: 'every fragment empty: an empty text message',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(...fragments(Opcode.Text, ['', '', ''])));
      await expectText(client, '');
    },
  },
  {
    id: '5.19',
    title: 'close between fragments ends the connection without the partial message',
    chapter,
    needs: [6],
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('never', { fin: false }), close(1000), continuation(' finished')));
      await expectCloseReply(client, [1000], 'RFC 6455 §5.5.1: a close frame may come between fragments');
    },
  },
];
