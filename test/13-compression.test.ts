/**
 * Chapter 13: permessage-deflate (RFC 7692). The negotiation as tables of offers and answers, the
 * compressor and decompressor against the RFC's own bytes, the limit checked while inflating.
 * The wire tests (a raw client, the `ws` package, Chromium) are in test/13-compression/.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../core/errors.ts';
import { formatDeflateResponse, negotiateDeflate, parseExtensionOffers } from '@impl/13-compression/negotiate.ts';
import type { DeflateOptions } from '@impl/13-compression/negotiate.ts';
import { MessageDeflate } from '@impl/13-compression/message-deflate.ts';
import { hex } from '../tools/wire/index.ts';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const HELLO = utf8('Hello');

/** The response header for `header` offered to a server with `options`, or null (declined). */
function answer(header: string, options: DeflateOptions = {}): string | null {
  const agreed = negotiateDeflate(parseExtensionOffers([header]), options);
  return agreed === null ? null : formatDeflateResponse(agreed);
}

const DEFAULTS = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: null };

describe('RFC 6455 §9.1: parsing Sec-WebSocket-Extensions', () => {
  it('reads offers with parameters, in order, names lower-cased, quoted values unquoted', () => {
    expect(parseExtensionOffers(['permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10"', 'x-foo'])).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', null]] },
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
      { name: 'x-foo', params: [] },
    ]);
  });

  it.each([
    ['permessage-deflate; ', 'a ; with nothing after it'],
    ['permessage-deflate; a=', 'an = with no value'],
    ['permessage-deflate; a="10', 'an unterminated quote'],
    ['permessage deflate', 'two tokens with no separator'],
    ['permessage-deflate; a="1 0"', 'a quoted value that is not a token'],
    ['permessage-deflate; a@b', 'a character outside tokens'],
  ])('%j (%s) is not parsed: [] and every extension is declined', (header) => {
    expect(parseExtensionOffers([header]), `Sec-WebSocket-Extensions: ${header}`).toEqual([]);
  });
});

describe('RFC 7692 §7.1: negotiation, one offer at a time', () => {
  it.each<[string, DeflateOptions, string | null]>([
    // §7.1.1: context takeover.
    ['permessage-deflate', {}, 'permessage-deflate'],
    ['permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate; client_no_context_takeover', {}, 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate', { serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate', { clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover'],
    // RFC 7692 §7.1.2.1: server_max_window_bits needs a value 8–15; the answer is no larger.
    ['permessage-deflate; server_max_window_bits=10', {}, 'permessage-deflate; server_max_window_bits=10'],
    ['permessage-deflate; server_max_window_bits=15', {}, 'permessage-deflate; server_max_window_bits=15'],
    ['permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10'],
    ['permessage-deflate', { serverMaxWindowBits: 11 }, 'permessage-deflate; server_max_window_bits=11'],
    ['permessage-deflate; server_max_window_bits=8', {}, null],
    ['permessage-deflate; server_max_window_bits', {}, null],
    ['permessage-deflate; server_max_window_bits=16', {}, null],
    ['permessage-deflate; server_max_window_bits=7', {}, null],
    ['permessage-deflate; server_max_window_bits=010', {}, null],
    // RFC 7692 §7.1.2.2: client_max_window_bits, with or without a value; never answered unless offered.
    ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate'],
    ['permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
    ['permessage-deflate; client_max_window_bits=9', {}, 'permessage-deflate; client_max_window_bits=9'],
    ['permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
    ['permessage-deflate; client_max_window_bits=8', {}, 'permessage-deflate; client_max_window_bits=8'],
    ['permessage-deflate', { clientMaxWindowBits: 10 }, 'permessage-deflate'],
    ['permessage-deflate; client_max_window_bits=16', {}, null],
    // Unknown, repeated, or with a value that must not be there.
    ['permessage-deflate; foo', {}, null],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}, null],
    ['permessage-deflate; client_max_window_bits=10; client_max_window_bits=10', {}, null],
    ['permessage-deflate; server_no_context_takeover=1', {}, null],
    ['x-webkit-deflate-frame', {}, null],
    // Everything at once.
    [
      'permessage-deflate; client_max_window_bits=11; server_max_window_bits=9; client_no_context_takeover; server_no_context_takeover',
      {},
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=11',
    ],
  ])('offer %j with %j → %j', (offer, options, expected) => {
    expect(answer(offer, options), `Sec-WebSocket-Extensions: ${offer} (RFC 7692 §7.1)`).toBe(expected);
  });

  it('takes the first usable offer, skipping unusable ones (RFC 7692 §5)', () => {
    const header = 'x-unknown, permessage-deflate; foo=1, permessage-deflate; server_max_window_bits=10, permessage-deflate';
    expect(answer(header)).toBe('permessage-deflate; server_max_window_bits=10');
  });

  it('declines when nothing is offered (no header at all)', () => {
    expect(negotiateDeflate(parseExtensionOffers([]))).toBeNull();
  });

  it('the default agreement is every parameter off', () => {
    expect(negotiateDeflate(parseExtensionOffers(['permessage-deflate; client_max_window_bits']))).toEqual(DEFAULTS);
  });
});

describe('RFC 7692 §7.2.3: the examples, byte for byte', () => {
  it('RFC 7692 §7.2.3.1: "Hello" compresses to f2 48 cd c9 c9 07 00', () => {
    const deflate = new MessageDeflate(DEFAULTS, { level: 6 });
    expect(hex(deflate.compress(HELLO))).toBe('f2 48 cd c9 c9 07 00');
  });

  it('RFC 7692 §7.2.3.2: with context takeover the second "Hello" is f2 00 11 00 00', () => {
    const deflate = new MessageDeflate(DEFAULTS, { level: 6 });
    expect(hex(deflate.compress(HELLO))).toBe('f2 48 cd c9 c9 07 00');
    expect(hex(deflate.compress(HELLO)), 'the second message points back into the first (RFC 7692 §7.2.3.2)').toBe('f2 00 11 00 00');
  });

  it('RFC 7692 §7.2.3.2: without context takeover, every "Hello" is f2 48 cd c9 c9 07 00', () => {
    const deflate = new MessageDeflate({ ...DEFAULTS, serverNoContextTakeover: true }, { level: 6 });
    deflate.compress(HELLO);
    expect(hex(deflate.compress(HELLO))).toBe('f2 48 cd c9 c9 07 00');
  });

  it.each([
    ['RFC 7692 §7.2.3.1, one block', [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]],
    ['RFC 7692 §7.2.3.1, in two fragments f2 48 | cd c9 c9 07 00, joined', [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]],
    ['RFC 7692 §7.2.3.3, a stored block', [0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]],
    ['RFC 7692 §7.2.3.4, BFINAL set', [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]],
    ['RFC 7692 §7.2.3.5, two blocks', [0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00]],
  ])('%s inflates to "Hello"', (_name, payload) => {
    const inflate = new MessageDeflate(DEFAULTS);
    expect(new TextDecoder().decode(inflate.decompress(bytes(...payload), 1024)), hex(bytes(...payload))).toBe('Hello');
  });

  it('RFC 7692 §7.2.3.2: the second message f2 00 11 00 00 inflates against the first one', () => {
    const inflate = new MessageDeflate(DEFAULTS);
    inflate.decompress(bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), 1024);
    expect(new TextDecoder().decode(inflate.decompress(bytes(0xf2, 0x00, 0x11, 0x00, 0x00), 1024))).toBe('Hello');
  });

  it('RFC 7692 §7.2.3.6: an empty payload is an empty message', () => {
    expect(new MessageDeflate(DEFAULTS).decompress(bytes(0x00), 10).length).toBe(0);
    expect(new MessageDeflate(DEFAULTS).decompress(bytes(), 10).length).toBe(0);
  });
});

describe('RFC 7692 §7.1.1: context takeover, both ways', () => {
  const text = utf8(JSON.stringify({ user: 'alice', items: Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${i}`, qty: i })) }));

  it('with takeover, a repeated message is much smaller the second time, and round-trips', () => {
    const ours = new MessageDeflate(DEFAULTS);
    const theirs = new MessageDeflate(DEFAULTS);
    const first = ours.compress(text);
    const second = ours.compress(text);
    expect(second.length).toBeLessThan(first.length / 4);
    expect(hex(theirs.decompress(first, 1 << 20))).toBe(hex(text));
    expect(hex(theirs.decompress(second, 1 << 20))).toBe(hex(text));
  });

  it('server_no_context_takeover: the window is dropped, so each message stands alone', () => {
    const ours = new MessageDeflate({ ...DEFAULTS, serverNoContextTakeover: true });
    const first = ours.compress(text);
    expect(hex(ours.compress(text))).toBe(hex(first));
    expect(ours.windowBytes).toBe(0);
    expect(hex(new MessageDeflate(DEFAULTS).decompress(first, 1 << 20))).toBe(hex(text));
  });

  it('a kept window is no larger than the negotiated window size (server_max_window_bits=9: 512 bytes)', () => {
    const ours = new MessageDeflate({ ...DEFAULTS, serverMaxWindowBits: 9, clientNoContextTakeover: true });
    for (let i = 0; i < 5; i++) ours.compress(text);
    expect(ours.windowBytes).toBe(512);
  });
});

describe('RFC 6455 §7.4.1: limits and corrupt data while inflating', () => {
  it('a payload under 12 KiB that inflates to 10 MiB fails with 1009 at a 64 KiB limit (a zip bomb)', () => {
    const bomb = new MessageDeflate(DEFAULTS, { level: 9 }).compress(new Uint8Array(10 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(12 * 1024);
    const inflate = new MessageDeflate(DEFAULTS);
    let thrown: unknown;
    try {
      inflate.decompress(bomb, 64 * 1024);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'RFC 6455 §7.4.1: a message too big to process is 1009').toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(1009);
  });

  it('a message of exactly the limit inflates', () => {
    const text = new Uint8Array(4096).fill(0x61);
    const payload = new MessageDeflate(DEFAULTS).compress(text);
    expect(hex(new MessageDeflate(DEFAULTS).decompress(payload, 4096))).toBe(hex(text));
    expect(() => new MessageDeflate(DEFAULTS).decompress(payload, 4095)).toThrow(/limit of 4095/);
  });

  it('data that is not DEFLATE fails with 1007 (RFC 7692 §6.2)', () => {
    // BTYPE 11 is reserved in DEFLATE (RFC 1951): no decoder accepts it.
    const corrupt = bytes(0xff, 0xff, 0xff, 0xff);
    let thrown: unknown;
    try {
      new MessageDeflate(DEFAULTS).decompress(corrupt, 1024);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `inflating ${hex(corrupt)}`).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(1007);
  });
});
