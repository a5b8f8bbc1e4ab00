/**
 * Family 3, reserved bits (chapter 05): RSV1, RSV2 and RSV3 MUST be 0 unless an extension defines
 * them (RFC 6455 §5.2). With no extension negotiated, any set bit fails the connection with 1002.
 *
 * Each case first sends a valid message (its echo must still arrive: the server handles frames in
 * order) and a ping after the bad frame (it must not be answered: the connection has failed).
 */
import type { Case } from '../case.ts';
import { expectFailure, expectText } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { clientFrame, concatBytes, ping, text, type FrameExtras } from '../../wire/index.ts';

const WHY = 'RFC 6455 §5.2: RSV bits MUST be 0 without a negotiated extension';

interface Variant {
  title: string;
  bits: Pick<FrameExtras, 'rsv1' | 'rsv2' | 'rsv3'>;
  opcode: number;
  payload: string;
}

const variants: Variant[] = [
  { title: 'RSV1 set on a text frame', bits: { rsv1: true }, opcode: Opcode.Text, payload: 'Hello' },
  { title: 'RSV2 set on a text frame', bits: { rsv2: true }, opcode: Opcode.Text, payload: 'Hello' },
  { title: 'RSV3 set on a text frame', bits: { rsv3: true }, opcode: Opcode.Text, payload: 'Hello' },
  { title: 'RSV1+RSV2+RSV3 set on a text frame', bits: { rsv1: true, rsv2: true, rsv3: true }, opcode: Opcode.Text, payload: 'Hello' },
  { title: 'RSV1+RSV3 set on an empty binary frame', bits: { rsv1: true, rsv3: true }, opcode: Opcode.Binary, payload: '' },
  { title: 'RSV2+RSV3 set on a ping', bits: { rsv2: true, rsv3: true }, opcode: Opcode.Ping, payload: 'ping' },
  { title: 'RSV1 set on a close frame', bits: { rsv1: true }, opcode: Opcode.Close, payload: '\x03\xe8' },
];

export const reservedBitCases: Case[] = [
  ...variants.map(
    (variant, index): Case => ({
      id: `3.${index + 1}`,
      title: `${variant.title} fails with 1002`,
      chapter: 5,
      async run(context) {
        const client = await context.open();
        const bad = clientFrame({ ...variant.bits, opcode: variant.opcode, payload: Buffer.from(variant.payload, 'latin1') });
        client.write(concatBytes(text('valid first'), bad, ping('must not be answered')));
        await expectText(client, 'valid first');
        await expectFailure(client, 1002, WHY);
      },
    }),
  ),
  {
    id: '3.8',
    title: 'RSV2 set on a continuation frame fails with 1002',
    chapter: 5,
    needs: [7],
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('frag', { fin: false }), clientFrame({ opcode: Opcode.Continuation, rsv2: true, payload: 'ment' })));
      await expectFailure(client, 1002, WHY);
    },
  },
];
