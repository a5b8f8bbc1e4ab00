/**
 * Family 7, the closing handshake (chapter 06): a close frame is answered by a close frame, then the
 * server closes TCP (RFC 6455 §5.5.1, §7.1.1). A close payload is empty or a 2-byte status code plus
 * a UTF-8 reason; codes outside the ones §7.4 allows on the wire fail the connection with 1002.
 */
import { fail, type Case } from '../case.ts';
import { expectCloseReply, expectFailure, expectPong, expectTcpClose, expectText } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { clientFrame, close, concatBytes, fromHex, ping, text } from '../../wire/index.ts';

const chapter = 6 as const;
const WHY_CODE = 'RFC 6455 §7.4: this status code may not appear in a close frame';

/** Codes no endpoint may send: reserved, unassigned, or out of range (RFC 6455 §7.4.1, §7.4.2). */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
/** Codes a client may send; the server answers with the same code or 1000. */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];

export const closeCases: Case[] = [
  {
    id: '7.1.1',
    title: 'close without payload is answered, then TCP closes',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close());
      await expectCloseReply(client, [undefined, 1000], 'RFC 6455 §5.5.1: answer a close frame with a close frame');
    },
  },
  {
    id: '7.1.2',
    title: 'close 1000 without reason is answered with 1000',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close(1000));
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.1.3',
    title: 'close 1000 with a reason',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close(1000, 'bye'));
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.1.4',
    title: 'close with the longest reason that fits (123 bytes)',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close(1000, 'r'.repeat(123)));
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.1.5',
    title: 'close with a 124-byte reason (payload 126) fails with 1002',
    chapter,
    needs: [5],
    async run(context) {
      const client = await context.open();
      client.write(close(1000, 'r'.repeat(124)));
      await expectFailure(client, 1002, 'RFC 6455 §5.5: control frames carry at most 125 payload bytes');
    },
  },
  {
    id: '7.1.6',
    title: 'close with a 1-byte payload fails with 1002',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(clientFrame({ opcode: Opcode.Close, payload: Uint8Array.of(0x03) }));
      await expectFailure(client, 1002, 'RFC 6455 §5.5.1: a close payload is empty or starts with a 2-byte code');
    },
  },
  {
    id: '7.1.7',
    title: 'close with a UTF-8 reason (κόσμε) is accepted',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close(1000, 'κόσμε'));
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.1.8',
    title: 'close reason with invalid UTF-8 fails with 1007',
    chapter,
    needs: [7],
    async run(context) {
      const client = await context.open();
      client.write(close(1000, fromHex('ce ba e1 bd b9 ed a0 80')));
      await expectFailure(client, 1007, 'RFC 6455 §5.5.1: the close reason is UTF-8 (§8.1: invalid UTF-8 fails with 1007)');
    },
  },
  {
    id: '7.2.1',
    title: 'text after the close frame is ignored',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(close(1000), text('after close')));
      await expectCloseReply(client, [1000], 'RFC 6455 §1.4: after a close frame, no more data is processed');
    },
  },
  {
    id: '7.2.2',
    title: 'two close frames: one close reply',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(close(1000), close(1001)));
      await expectCloseReply(client, [1000], 'RFC 6455 §5.5.1: a close frame is answered once');
    },
  },
  {
    id: '7.2.3',
    title: 'message echoed, then close: echo arrives before the close reply',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('before close'), close(1000)));
      await expectText(client, 'before close');
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.2.4',
    title: 'server closes TCP after the closing handshake while the client keeps it open',
    chapter,
    async run(context) {
      const client = await context.open();
      client.write(close(1000));
      // The client neither closes nor half-closes: RFC 6455 §7.1.1 says the server closes TCP first.
      await expectCloseReply(client, [1000], 'RFC 6455 §7.1.1: the server closes the TCP connection first');
    },
  },
  {
    id: '7.2.5',
    title: 'ping and close in one write: pong, then the close reply',
    chapter,
    needs: [8],
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(ping('first'), close(1000)));
      await expectPong(client, 'first');
      await expectCloseReply(client, [1000]);
    },
  },
  {
    id: '7.2.6',
    title: 'TCP half-closed by the client without a close frame: the server closes too',
    chapter,
    async run(context) {
      const client = await context.open();
      client.end();
      // The server may still send a close frame before closing; it must not hang on a half-open socket.
      client.expecting = 'the server to close TCP after the client half-closed (RFC 6455 §7.1.4)';
      const got = await client.readFrameOrClose();
      if (got && got.opcode !== Opcode.Close) fail(`expected TCP close after the client half-closed, got opcode ${got.opcode}`);
      if (got) await expectTcpClose(client, 'the server to close TCP after the client half-closed (RFC 6455 §7.1.4)');
    },
  },
  ...INVALID_CODES.map(
    (code, index): Case => ({
      id: `7.3.${index + 1}`,
      title: `close with invalid code ${code} fails with 1002`,
      chapter,
      async run(context) {
        const client = await context.open();
        client.write(close(code));
        await expectFailure(client, 1002, WHY_CODE);
      },
    }),
  ),
  ...VALID_CODES.map(
    (code, index): Case => ({
      id: `7.4.${index + 1}`,
      title: `close with valid code ${code} is answered with ${code === 1000 ? '1000' : `${code} or 1000`}`,
      chapter,
      async run(context) {
        const client = await context.open();
        client.write(close(code));
        // RFC 6455 §5.5.1: the reply "typically echos the status code it received"; 1000 is also fine.
        await expectCloseReply(client, [code, 1000]);
      },
    }),
  ),
];
