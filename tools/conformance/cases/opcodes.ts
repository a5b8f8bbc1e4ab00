/**
 * Family 4, opcodes (chapter 05): opcodes 0x3–0x7 are reserved for further non-control frames and
 * 0xB–0xF for further control frames (RFC 6455 §5.2). Receiving one fails the connection with 1002.
 */
import type { Case } from '../case.ts';
import { expectFailure, expectText } from '../expect.ts';
import { clientFrame, concatBytes, ping, text } from '../../wire/index.ts';

const RESERVED = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf];

export const opcodeCases: Case[] = RESERVED.map((opcode, index): Case => {
  const control = opcode >= 0x8;
  const withPayload = index % 2 === 1;
  return {
    id: `4.${control ? 2 : 1}.${control ? index - 4 : index + 1}`,
    title: `reserved ${control ? 'control' : 'data'} opcode 0x${opcode.toString(16).toUpperCase()}${withPayload ? ' with payload' : ''} fails with 1002`,
    chapter: 5,
    async run(context) {
      const client = await context.open();
      const bad = clientFrame({ opcode, payload: withPayload ? 'reserved' : '' });
      client.write(concatBytes(text('valid first'), bad, ping('must not be answered')));
      await expectText(client, 'valid first');
      await expectFailure(client, 1002, `RFC 6455 §5.2: opcode 0x${opcode.toString(16)} is reserved`);
    },
  };
});
