/**
 * The frame lab's model: what the site shows for given bytes, computed with the reference codec.
 * (The browser check of the built page is tools/site-check.ts.)
 *
 * site/ is compiled by Docusaurus, not by the root tsconfig, so the model is loaded by a path the
 * type checker does not follow, and typed here by the little this test uses.
 */
import { describe, expect, it } from 'vitest';

interface EncodeInput {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  masked: boolean;
  maskingKey: string;
  payloadMode: 'text' | 'hex';
  payload: string;
  closeCode: string;
  closeReason: string;
}

interface Reading {
  bytes: { value: number; parts: { field: string; bits: number }[] }[];
  frames: { offset: number; description: string; payload: Uint8Array | null; header: { payloadLength: number } }[];
  error: { message: string; code: number } | null;
  incomplete: string | null;
}

interface FrameLabModel {
  formatHex(bytes: Uint8Array): string;
  parseHex(text: string): Uint8Array;
  parseMaskingKey(text: string): Uint8Array;
  encodeInput(input: EncodeInput): Uint8Array;
  readAsServer(bytes: Uint8Array, options?: { allowRsv1?: boolean }): Reading;
}

const modelPath: string = '../../site/src/components/FrameLab/model.ts';
const { encodeInput, formatHex, parseHex, parseMaskingKey, readAsServer } = (await import(modelPath)) as FrameLabModel;

const hex = (text: string): Uint8Array => parseHex(text);

const TEXT_HELLO: EncodeInput = {
  opcode: 1,
  fin: true,
  rsv1: false,
  masked: true,
  maskingKey: '37 fa 21 3d',
  payloadMode: 'text',
  payload: 'Hello',
  closeCode: '',
  closeReason: '',
};

describe('hex input', () => {
  it('reads the common ways of writing bytes', () => {
    for (const text of ['81 05 48', '0x81,0x05,0x48', '810548', '81:05:48', ' 81\n05 48 ']) {
      expect(formatHex(parseHex(text)), text).toBe('81 05 48');
    }
    expect(formatHex(parseHex('1 2'))).toBe('01 02');
    expect(parseHex('')).toHaveLength(0);
  });

  it('says what is wrong with text that is not hex', () => {
    expect(() => parseHex('81 0g')).toThrow(/"g" is not a hex digit/);
    expect(() => parseHex('810')).toThrow(/odd number/);
    expect(() => parseMaskingKey('37 fa 21')).toThrow(/exactly 4 bytes/);
  });
});

describe('RFC 6455 §5.7 examples', () => {
  it('encodes "Hello" masked with 37 fa 21 3d', () => {
    expect(formatHex(encodeInput(TEXT_HELLO))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(formatHex(encodeInput({ ...TEXT_HELLO, masked: false }))).toBe('81 05 48 65 6c 6c 6f');
  });

  it('reads an unmasked "Hello", then refuses it as a client frame with 1002', () => {
    const reading = readAsServer(hex('81 05 48 65 6c 6c 6f'));
    expect(reading.frames).toHaveLength(1);
    expect(reading.frames[0]!.description).toBe('text, FIN, unmasked, 5 bytes: Hello');
    expect(reading.error?.code).toBe(1002);
    expect(reading.error?.message).toMatch(/mask/i);
  });

  it('reads a masked "Hello" as a valid client frame', () => {
    const reading = readAsServer(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(reading.error).toBeNull();
    expect(reading.incomplete).toBeNull();
    expect(reading.frames[0]!.description).toBe('text, FIN, masked with key 37 fa 21 3d, 5 bytes: Hello');
    expect(formatHex(reading.frames[0]!.payload!)).toBe('48 65 6c 6c 6f');
  });

  it('colours each byte by its field', () => {
    const { bytes } = readAsServer(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(bytes[0]!.parts.map((part) => part.field)).toEqual(['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode']);
    expect(bytes[1]!.parts.map((part) => part.field)).toEqual(['mask', 'payloadLen']);
    expect(bytes.slice(2, 6).every((byte) => byte.parts[0]!.field === 'maskingKey')).toBe(true);
    expect(bytes.slice(6).every((byte) => byte.parts[0]!.field === 'payload')).toBe(true);
  });
});

describe('reading several frames, partial input and errors', () => {
  it('reads two fragments one after the other', () => {
    const reading = readAsServer(hex('01 83 37 fa 21 3d 7f 9f 4d 80 82 37 fa 21 3d 5b 95'));
    expect(reading.error).toBeNull();
    expect(reading.frames.map((frame) => frame.description)).toEqual([
      'text, not FIN (more fragments follow), masked with key 37 fa 21 3d, 3 bytes: Hel',
      'continuation, FIN, masked with key 37 fa 21 3d, 2 bytes: lo',
    ]);
    expect(reading.frames[1]!.offset).toBe(9);
  });

  it('waits for the rest of a header or a payload', () => {
    expect(readAsServer(hex('81')).incomplete).toMatch(/header is not complete/);
    const reading = readAsServer(hex('82 fe 01 00 37 fa 21 3d'));
    expect(reading.frames[0]!.header.payloadLength).toBe(256);
    expect(reading.incomplete).toMatch(/0 of 256 bytes.*256 more/);
  });

  it('describes a close frame', () => {
    const reading = readAsServer(hex('88 82 37 fa 21 3d 34 12'));
    expect(reading.frames[0]!.description).toBe('close, FIN, masked with key 37 fa 21 3d, 2 bytes: status 1000 (normal)');
  });

  it('refuses RSV1 unless an extension allows it', () => {
    const frame = hex('c1 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(readAsServer(frame).error?.code).toBe(1002);
    expect(readAsServer(frame, { allowRsv1: true }).error).toBeNull();
  });

  it('refuses a reserved opcode and a fragmented control frame with 1002', () => {
    expect(readAsServer(hex('83 80 37 fa 21 3d')).error?.code).toBe(1002);
    expect(readAsServer(hex('09 80 37 fa 21 3d')).error?.code).toBe(1002);
  });

  it('encodes a close frame from a status code and a reason', () => {
    const bytes = encodeInput({ ...TEXT_HELLO, opcode: 8, closeCode: '1001', closeReason: 'bye' });
    expect(readAsServer(bytes).frames[0]!.description).toMatch(/status 1001 \(going away\), reason "bye"$/);
  });
});
