/**
 * Family 2, ping and pong (chapter 08): a ping is answered by a pong with the same payload
 * (RFC 6455 §5.5.2, §5.5.3); an unsolicited pong is ignored; nothing is answered after a close.
 */
import type { Case } from '../case.ts';
import { expectCloseReply, expectFailure, expectPong, expectText, isFrame, readMessageOrControl } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { close, concatBytes, describeFrame, ping, pong, text } from '../../wire/index.ts';
import { fail } from '../case.ts';

const allBytes = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (255 - i) & 0xff);

export const pingPongCases: Case[] = [
  {
    id: '2.1',
    title: 'ping without payload answered by an empty pong',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(ping());
      await expectPong(client);
    },
  },
  {
    id: '2.2',
    title: 'ping with a short text payload',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(ping('Hello, world!'));
      await expectPong(client, 'Hello, world!');
    },
  },
  {
    id: '2.3',
    title: 'ping with a binary payload',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      const payload = Uint8Array.of(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff);
      client.write(ping(payload));
      await expectPong(client, payload);
    },
  },
  {
    id: '2.4',
    title: 'ping with the largest allowed payload (125 bytes)',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(ping(allBytes(125)));
      await expectPong(client, allBytes(125));
    },
  },
  {
    id: '2.5',
    title: 'ping with 126 bytes fails the connection with 1002',
    chapter: 5,
    async run(context) {
      const client = await context.open();
      client.write(ping(allBytes(126)));
      await expectFailure(client, 1002, 'RFC 6455 §5.5: control frames carry at most 125 payload bytes');
    },
  },
  {
    id: '2.6',
    title: 'ping of 125 bytes written one byte at a time',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      await client.writeInPieces(ping(allBytes(125)), 1);
      await expectPong(client, allBytes(125));
    },
  },
  {
    id: '2.7',
    title: 'unsolicited pong without payload is ignored',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(pong(), text('after the pong')));
      await expectText(client, 'after the pong');
    },
  },
  {
    id: '2.8',
    title: 'unsolicited pong with payload is ignored',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(pong('unsolicited'), text('after the pong')));
      await expectText(client, 'after the pong');
    },
  },
  {
    id: '2.9',
    title: 'ten pings in one write: pongs in order, the last one answered',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      const payloads = Array.from({ length: 10 }, (_, i) => `ping ${i}`);
      client.write(concatBytes(...payloads.map((payload) => ping(payload)), text('done')));
      // RFC 6455 §5.5.3: a server MAY answer only the most recent of several pings, so the pongs must
      // be a subsequence of the pings, in order, that ends with the last one.
      let next = 0;
      for (;;) {
        client.expecting = 'pongs for the ten pings, then the echo of "done"';
        const got = await readMessageOrControl(client);
        if (got === null) fail('expected pongs and the echo of "done", got TCP closed');
        if (!isFrame(got)) {
          if (next !== payloads.length) fail(`the message "done" came back before a pong for the last ping ("ping 9")`);
          return;
        }
        if (got.opcode !== Opcode.Pong) fail(`expected a pong, got ${describeFrame(got)}`);
        const payload = new TextDecoder().decode(got.payload);
        const index = payloads.indexOf(payload, next);
        if (index < 0) fail(`pong "${payload}" is out of order or answers no ping (RFC 6455 §5.5.3)`);
        next = index + 1;
      }
    },
  },
  {
    id: '2.10',
    title: 'ping sent after the close frame is not answered',
    chapter: 8,
    needs: [6],
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(close(1000), ping('too late')));
      await expectCloseReply(client, [1000], 'RFC 6455 §5.5.1: after a close frame, no more frames are processed');
    },
  },
  {
    id: '2.11',
    title: 'ping between two text messages: one pong and both echoes in order',
    chapter: 8,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('first'), ping('middle'), text('second')));
      // The pong may overtake the first echo (the application may answer later than the protocol
      // layer), so only the order of the two messages is fixed.
      const texts: string[] = [];
      let pongs = 0;
      while (texts.length < 2 || pongs < 1) {
        client.expecting = 'the echoes of "first" and "second" and a pong "middle"';
        const got = await readMessageOrControl(client);
        if (got === null) fail(`expected two echoes and a pong, got TCP closed after ${texts.length} echoes and ${pongs} pongs`);
        if (isFrame(got)) {
          if (got.opcode !== Opcode.Pong || new TextDecoder().decode(got.payload) !== 'middle') fail(`expected a pong "middle", got ${describeFrame(got)}`);
          if (++pongs > 1) fail('the ping was answered twice');
        } else {
          texts.push(new TextDecoder().decode(got.payload));
        }
      }
      if (texts.join() !== 'first,second') fail(`expected the echoes "first" then "second", got ${JSON.stringify(texts)}`);
    },
  },
];
