/**
 * Family 9, limits (chapters 05, 07 and 09): a message longer than the server's limit fails with 1009
 * (RFC 6455 §7.4.1, §10.4) and the decision is made from the frame header, before any payload is
 * read or memory allocated; malformed lengths are protocol errors; many messages and a flood of
 * unread echoes are handled in order.
 */
import type { Case } from '../case.ts';
import { expectFailure, expectMessage, expectText } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { binary, clientFrameHeader, concatBytes, ping, text } from '../../wire/index.ts';

const WHY_SIZE = 'RFC 6455 §10.4: a message over the size limit fails with 1009, decided from the header';

export const limitCases: Case[] = [
  {
    id: '9.1',
    title: 'text header claiming 2^40 bytes fails with 1009 quickly (no payload sent)',
    chapter: 5,
    timeoutMs: 1000,
    async run(context) {
      const client = await context.open();
      client.write(clientFrameHeader({ opcode: Opcode.Text }, 2n ** 40n));
      await expectFailure(client, 1009, WHY_SIZE);
    },
  },
  {
    id: '9.2',
    title: 'binary header claiming the limit + 1 byte fails with 1009 (no payload sent)',
    chapter: 5,
    timeoutMs: 1000,
    async run(context) {
      const client = await context.open();
      client.write(clientFrameHeader({ opcode: Opcode.Binary }, BigInt(context.maxMessageSize) + 1n));
      await expectFailure(client, 1009, WHY_SIZE);
    },
  },
  {
    id: '9.3',
    title: 'fragments whose total exceeds the limit fail with 1009 at the second header',
    chapter: 7,
    timeoutMs: 1000,
    async run(context) {
      const client = await context.open();
      const first = binary(new Uint8Array(1024), { fin: false });
      const rest = BigInt(context.maxMessageSize - 1024 + 1);
      client.write(first);
      client.write(clientFrameHeader({ opcode: Opcode.Continuation }, rest));
      await expectFailure(client, 1009, `${WHY_SIZE} (the limit applies to the whole message)`);
    },
  },
  {
    id: '9.4',
    title: '64-bit length with the most significant bit set fails with 1002',
    chapter: 5,
    timeoutMs: 1000,
    async run(context) {
      const client = await context.open();
      client.write(clientFrameHeader({ opcode: Opcode.Binary }, 2n ** 63n + 5n));
      await expectFailure(client, 1002, 'RFC 6455 §5.2: the most significant bit of a 64-bit length MUST be 0');
    },
  },
  {
    id: '9.5',
    title: 'ping header claiming 2^40 bytes fails with 1002 (control frame too long)',
    chapter: 5,
    timeoutMs: 1000,
    async run(context) {
      const client = await context.open();
      client.write(clientFrameHeader({ opcode: Opcode.Ping }, 2n ** 40n));
      await expectFailure(client, 1002, 'RFC 6455 §5.5: control frames carry at most 125 payload bytes');
    },
  },
  {
    id: '9.6',
    title: '1000 small text messages in one write are echoed in order',
    chapter: 5,
    timeoutMs: 5000,
    async run(context) {
      const client = await context.open();
      const messages = Array.from({ length: 1000 }, (_, i) => `message ${i}`);
      client.write(concatBytes(...messages.map((message) => text(message))));
      for (const message of messages) await expectText(client, message);
    },
  },
  {
    id: '9.7',
    title: '8 MiB of binary messages sent before reading any echo (backpressure)',
    chapter: 9,
    timeoutMs: 10_000,
    async run(context) {
      const client = await context.open();
      const messages = Array.from({ length: 8 }, (_, i) => new Uint8Array(1024 * 1024).fill(i + 1));
      // The client stops reading while it writes, so the echoes back up in the server: it must queue
      // them or stop reading itself, and never drop or reorder anything.
      client.pause();
      for (const message of messages) client.write(binary(message));
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.resume();
      for (const message of messages) await expectMessage(client, Opcode.Binary, message);
    },
  },
  {
    id: '9.8',
    title: 'a connection that failed with 1009 leaves the next connection working',
    chapter: 1,
    needs: [5],
    timeoutMs: 2000,
    async run(context) {
      const broken = await context.open();
      broken.write(clientFrameHeader({ opcode: Opcode.Text }, 2n ** 40n));
      await expectFailure(broken, 1009, WHY_SIZE);
      const fresh = await context.open();
      fresh.write(concatBytes(text('still here'), ping()));
      await expectText(fresh, 'still here');
    },
  },
];
