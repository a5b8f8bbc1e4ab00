/**
 * Family 1, framing (chapter 05): text and binary messages in single frames across every payload
 * length encoding of RFC 6455 §5.2 (7-bit, 16-bit, 64-bit), and frames that arrive in pieces.
 */
import type { Case } from '../case.ts';
import { expectMessage } from '../expect.ts';
import { Opcode } from '../../../core/frame.ts';
import { binary, clientFrame, concatBytes, text } from '../../wire/index.ts';

const LENGTHS = [0, 125, 126, 127, 65535, 65536, 16 * 1024 * 1024];

/** Deterministic ASCII (valid UTF-8) of any length. */
function asciiPayload(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = 0x61 + (i % 26);
  return out;
}

/** Every byte value, repeated. */
function binaryPayload(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function lengthCases(group: number, opcode: number): Case[] {
  const kind = opcode === Opcode.Text ? 'text' : 'binary';
  return LENGTHS.map((length, index) => ({
    id: `1.${group}.${index + 1}`,
    title: `${kind} message of ${length === 16 * 1024 * 1024 ? '16 MiB' : `${length} bytes`} echoed`,
    chapter: 5,
    timeoutMs: length > 65536 ? 15_000 : undefined,
    async run(context) {
      const payload = opcode === Opcode.Text ? asciiPayload(length) : binaryPayload(length);
      const client = await context.open();
      client.write(clientFrame({ opcode, payload }));
      await expectMessage(client, opcode, payload);
    },
  }));
}

export const framingCases: Case[] = [
  ...lengthCases(1, Opcode.Text),
  ...lengthCases(2, Opcode.Binary),
  {
    id: '1.3.1',
    title: 'text frame of 65536 bytes written in pieces of 997 bytes',
    chapter: 5,
    async run(context) {
      const payload = asciiPayload(65536);
      const client = await context.open();
      await client.writeInPieces(text(payload), 997);
      await expectMessage(client, Opcode.Text, payload);
    },
  },
  {
    id: '1.3.2',
    title: 'binary frame with a 64-bit length written one byte at a time',
    chapter: 5,
    async run(context) {
      const payload = binaryPayload(65536 + 3);
      const client = await context.open();
      const bytes = binary(payload);
      // The 14-byte header byte by byte, then the payload in one piece.
      await client.writeInPieces(bytes.subarray(0, 14), 1);
      client.write(bytes.subarray(14));
      await expectMessage(client, Opcode.Binary, payload);
    },
  },
  {
    id: '1.3.3',
    title: 'three text frames in one TCP write, echoed in order',
    chapter: 5,
    async run(context) {
      const client = await context.open();
      client.write(concatBytes(text('one'), text('two'), text('three')));
      await expectMessage(client, Opcode.Text, 'one');
      await expectMessage(client, Opcode.Text, 'two');
      await expectMessage(client, Opcode.Text, 'three');
    },
  },
];
