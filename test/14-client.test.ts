/**
 * Chapter 14: the client side. The request (RFC 6455 §4.1), the response's checks, masking with a
 * fresh key per frame (§5.3), refusing masked server frames (§5.1), and the client's closing rule
 * (§7.1.1), as pure functions and on the wire against scripted servers that misbehave.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../server/wiring/layers.ts';
import { WebSocketClient } from '../server/app/client.ts';
import { buildRequest, generateKey, hostHeader } from '@impl/14-client/client-request.ts';
import { ResponseHeadParser, checkResponse, redirectTarget } from '@impl/14-client/client-response.ts';
import type { ResponseHead } from '@impl/14-client/client-response.ts';
import { checkServerFrame, encodeClientFrame } from '@impl/14-client/client-frames.ts';
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import { decodeFrame } from '@impl/05-frames/decode.ts';
import path from 'node:path';
import { CLIENT_CASES, runClientCase } from '../tools/conformance/client/cases.ts';
import type { ClientClass } from '../tools/conformance/client/cases.ts';
import { CLIENT_CHAPTER, runClientSuite } from '../tools/conformance/client/suite.ts';
import { formatSummary } from '../tools/conformance/report.ts';
import { readSectionLists } from '../tools/check-citations.ts';

const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const response = (status: number, fields: Record<string, string>): ResponseHead => ({
  version: 'HTTP/1.1',
  status,
  reason: '',
  headers: new Map(Object.entries(fields).map(([name, value]) => [name.toLowerCase(), [value]])),
});
const good = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': SAMPLE_ACCEPT };

describe('RFC 6455 §4.1: the request', () => {
  it('the key is 16 random bytes, base64, new for every connection (§4.1 item 7, §10.3)', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateKey()));
    for (const key of keys) expect(Buffer.from(key, 'base64').length, `key ${key}`).toBe(16);
    expect(keys.size, 'the same key came twice in 50: it is not random').toBe(50);
  });
  it('Host carries the port only when it is not the default (§4.1 item 4)', () => {
    expect(hostHeader(new URL('ws://example.com/'))).toBe('example.com');
    expect(hostHeader(new URL('ws://example.com:8080/'))).toBe('example.com:8080');
    expect(hostHeader(new URL('wss://example.com:443/'))).toBe('example.com');
    expect(hostHeader(new URL('wss://example.com:80/'))).toBe('example.com:80');
  });
  it('the request has every field of §4.1, the offers and the extra headers; no fragment', () => {
    const request = buildRequest(new URL('ws://h:9/chat?room=1#x'), SAMPLE_KEY, { protocols: ['chat', 'superchat'], headers: { Origin: 'http://h' } });
    expect(request.startsWith('GET /chat?room=1 HTTP/1.1\r\n'), request).toBe(true);
    for (const line of ['Host: h:9', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${SAMPLE_KEY}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: chat, superchat', 'Origin: http://h']) {
      expect(request, `missing "${line}"`).toContain(`\r\n${line}\r\n`);
    }
    expect(request.endsWith('\r\n\r\n')).toBe(true);
    expect(() => buildRequest(new URL('ws://h/'), SAMPLE_KEY, { protocols: ['a b'] }), 'a subprotocol is a token (§4.1 item 10)').toThrow(SyntaxError);
    expect(() => buildRequest(new URL('ws://h/'), SAMPLE_KEY, { headers: { X: 'a\r\nEvil: 1' } }), 'no CRLF in a value (RFC 9110 §5.5)').toThrow(TypeError);
  });
});

describe('RFC 6455 §4.1: the response', () => {
  it('parses the head from the queue, whole and byte by byte, leaving the frame after it', () => {
    const bytes = Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00`, 'latin1');
    const queue = new ByteQueue();
    const parser = new ResponseHeadParser();
    let head: ResponseHead | null = null;
    for (const byte of bytes) {
      queue.push(Uint8Array.of(byte));
      head ??= parser.parse(queue);
    }
    expect(head?.status).toBe(101);
    expect(head?.headers.get('upgrade')).toEqual(['websocket']);
    expect(queue.length, 'the frame bytes after the blank line must stay in the queue').toBe(2);
  });
  it('accepts a valid 101 and returns the agreed subprotocol', () => {
    expect(checkResponse(response(101, { ...good, 'Sec-WebSocket-Protocol': 'chat' }), { key: SAMPLE_KEY, protocols: ['chat'] })).toEqual({ protocol: 'chat', extensions: [] });
  });
  it.each([
    ['a 403', response(403, good), {}],
    ['no Upgrade', response(101, { Connection: 'Upgrade', 'Sec-WebSocket-Accept': SAMPLE_ACCEPT }), {}],
    ['no Connection: Upgrade', response(101, { Upgrade: 'websocket', 'Sec-WebSocket-Accept': SAMPLE_ACCEPT }), {}],
    ['a wrong accept', response(101, { ...good, 'Sec-WebSocket-Accept': 'AAAA' }), {}],
    ['an unoffered subprotocol', response(101, { ...good, 'Sec-WebSocket-Protocol': 'x' }), { protocols: ['chat'] }],
    ['an unoffered extension', response(101, { ...good, 'Sec-WebSocket-Extensions': 'permessage-deflate' }), {}],
  ])('refuses %s with a HandshakeError', (_name, head, offer) => {
    expect(() => checkResponse(head, { key: SAMPLE_KEY, ...offer })).toThrow(HandshakeError);
  });
  it('a 3xx is followed only when asked, to a bounded depth', () => {
    const moved = response(301, { Location: 'http://other:81/new' });
    expect(redirectTarget(moved, new URL('ws://h/'), 0)).toBeNull();
    expect(redirectTarget(moved, new URL('ws://h/'), 0, { followRedirects: true })?.href).toBe('ws://other:81/new');
    expect(() => redirectTarget(moved, new URL('ws://h/'), 3, { followRedirects: true, maxRedirects: 3 })).toThrow(HandshakeError);
  });
});

describe('RFC 6455 §5.1, §5.3: frames from the client', () => {
  it('every frame is masked with a fresh key and decodes to what was sent (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0x1, 0x2), (payload, opcode) => {
        const first = Buffer.concat(encodeClientFrame(opcode, payload));
        const second = Buffer.concat(encodeClientFrame(opcode, payload));
        const queue = new ByteQueue();
        queue.push(first);
        const frame = decodeFrame(queue, { requireMask: true });
        expect(frame?.masked, `frame ${first.toString('hex')} is not masked`).toBe(true);
        expect(Buffer.from(frame!.payload).equals(Buffer.from(payload))).toBe(true);
        const keyAt = (bytes: Buffer): string => bytes.subarray(bytes.length - payload.length - 4, bytes.length - payload.length).toString('hex');
        return keyAt(first) !== keyAt(second) || payload.length === 0;
      }),
      { numRuns: 200 },
    );
  });
  it('a masked server frame is refused with 1002', () => {
    const header = { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: true, payloadLength: 0, maskingKey: new Uint8Array(4), headerLength: 6 };
    expect(() => checkServerFrame(header)).toThrow(expect.objectContaining({ code: 1002 }));
    expect(() => checkServerFrame({ ...header, masked: false, maskingKey: null, headerLength: 2 })).not.toThrow();
  });
});

describe('On the wire: scripted servers (the client-side conformance cases)', () => {
  for (const testCase of CLIENT_CASES) {
    it(`${testCase.id} ${testCase.title} (RFC 6455 ${testCase.section})`, async () => {
      const failure = await runClientCase(WebSocketClient as unknown as ClientClass, testCase);
      expect(failure, `${testCase.id} (RFC 6455 ${testCase.section}): ${failure}`).toBeNull();
    });
  }
});

describe('npm run conformance -- --client: the suite of client-side cases', () => {
  it('every case names RFC 6455 sections that exist, and the ids are unique', () => {
    const sections = readSectionLists().get('6455')!.sections;
    expect(new Set(CLIENT_CASES.map((item) => item.id)).size).toBe(CLIENT_CASES.length);
    for (const item of CLIENT_CASES) {
      const cited = item.section.split(/,\s*/).map((part) => /^§(\S+)$/.exec(part)?.[1]);
      expect(cited.length, `${item.id} names no section`).toBeGreaterThan(0);
      for (const section of cited) expect(section !== undefined && sections.has(section), `${item.id}: "${item.section}" is not a list of RFC 6455 sections`).toBe(true);
    }
  });

  it('scores the tree under test as chapter 14, one result per case', async () => {
    const tree = path.resolve(import.meta.dirname, '..', process.env.WORKBOOK_IMPL ?? 'solutions');
    const suite = await runClientSuite({ impl: tree, selectors: ['C1.1', 'C5'], client: WebSocketClient as unknown as ClientClass });
    const expected = CLIENT_CASES.filter((item) => item.id === 'C1.1' || item.id.startsWith('C5.')).map((item) => item.id);
    expect(suite.results.map((result) => result.id)).toEqual(expected);
    expect(suite.results.every((result) => result.chapter === CLIENT_CHAPTER && result.title.includes('RFC 6455 §'))).toBe(true);
    expect(suite.results.filter((result) => result.status !== 'pass'), formatSummary(suite)).toEqual([]);
    const summary = formatSummary(suite).replace(/\x1b\[[0-9;]*m/g, '');
    expect(summary).toMatch(new RegExp(`^14-client\\s+${expected.length}/${expected.length}$`, 'm'));
  });
});
