/**
 * Chapter 02: the byte queue and the incremental HTTP request-head parser (RFC 9112 §2–§5).
 * Every input is fed whole, byte by byte, and with bytes after the head (which must stay queued).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { ByteQueue } from '@impl/02-http-head/byte-queue.ts';
import type { HeadLimits, RequestHead } from '@impl/02-http-head/request-head.ts';
import { RequestHeadParser, defaultHeadLimits, headerList, headerValue } from '@impl/02-http-head/request-head.ts';
import { HttpError, NotImplementedError } from '../core/errors.ts';
import { closeTestServers, startTestServer } from './helpers/server.ts';
import { PROMPT_SILENCE_MS, RawClient, escaped, hex, upgradeRequest } from '../tools/wire/index.ts';

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** A frame a client might send right behind its request, in the same TCP write. */
const TRAILING = bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);

const SIMPLE =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: keep-alive, Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

type Feeding = 'whole' | 'byte by byte' | 'with trailing bytes';
const FEEDINGS: Feeding[] = ['whole', 'byte by byte', 'with trailing bytes'];

/**
 * Feeds `input` to a fresh parser the given way. Returns the head and the queue, or the error the
 * parser threw. Checks the incremental contract on the way: `null` and nothing consumed until the
 * last byte of the head has arrived.
 */
function feed(
  input: Uint8Array,
  feeding: Feeding,
  limits: HeadLimits = defaultHeadLimits,
): { head: RequestHead; queue: ByteQueue } | { error: unknown } {
  const parser = new RequestHeadParser(limits);
  const queue = new ByteQueue();
  const what = `fed "${escaped(input, 200)}" ${feeding}`;
  try {
    if (feeding === 'byte by byte') {
      for (let i = 0; i < input.length; i++) {
        queue.push(input.slice(i, i + 1));
        const head = parser.parse(queue);
        if (i < input.length - 1) {
          if (head !== null) throw new Error(`${what}: parse() returned a head after only ${i + 1} of ${input.length} bytes`);
          if (queue.length !== i + 1) throw new Error(`${what}: parse() consumed bytes before the head was complete`);
        } else if (head !== null) {
          return { head, queue };
        }
      }
      return { error: new Error(`${what}: parse() never returned the head (it returned null after the last byte)`) };
    }
    queue.push(input);
    if (feeding === 'with trailing bytes') queue.push(TRAILING);
    const head = parser.parse(queue);
    if (head === null) return { error: new Error(`${what}: parse() returned null for a complete head`) };
    return { head, queue };
  } catch (error) {
    return { error };
  }
}

/** Parses a valid head every way; checks that the three ways agree and that trailing bytes stay. */
function parseEveryWay(text: string, limits?: HeadLimits): RequestHead {
  const input = latin1(text);
  const results = FEEDINGS.map((feeding) => ({ feeding, result: feed(input, feeding, limits) }));
  for (const { feeding, result } of results) {
    if ('error' in result) {
      const error = result.error;
      const detail = error instanceof HttpError ? `HttpError ${error.status}: ${error.message}` : String(error);
      throw new Error(`a valid head was refused when fed ${feeding}: ${detail}\ninput: "${escaped(input)}"`);
    }
    const left = result.queue.length;
    const expected = feeding === 'with trailing bytes' ? TRAILING : new Uint8Array(0);
    const rest = left > 0 ? result.queue.peek(left) : new Uint8Array(0);
    expect(
      hex(rest),
      `fed ${feeding}: exactly the head (blank line included) must be consumed; what follows stays queued for the frame decoder`,
    ).toBe(hex(expected));
  }
  const [first, ...others] = results.map((r) => (r.result as { head: RequestHead }).head);
  for (const other of others) expect(plain(other), 'whole and byte-by-byte parsing must agree').toEqual(plain(first!));
  return first!;
}

/** A head as plain data, for comparisons and readable diffs. */
function plain(head: RequestHead): object {
  return { method: head.method, target: head.target, version: head.version, headers: Object.fromEntries(head.headers) };
}

/** Every way of feeding `text` must throw an HttpError with `status`. */
function expectRefused(text: string | Uint8Array, status: number, why: string, limits?: HeadLimits): void {
  const input = typeof text === 'string' ? latin1(text) : text;
  for (const feeding of FEEDINGS) {
    const result = feed(input, feeding, limits);
    const got =
      'head' in result
        ? `a head: ${JSON.stringify(plain(result.head))}`
        : result.error instanceof HttpError
          ? `HttpError ${result.error.status} (${result.error.message})`
          : `${String(result.error)}`;
    const ok = 'error' in result && result.error instanceof HttpError && result.error.status === status;
    expect(ok, `expected HttpError ${status}: ${why}\ninput fed ${feeding}: "${escaped(input, 300)}"\ngot ${got}`).toBe(true);
  }
}

describe('the byte queue', () => {
  test('length counts pushed bytes; empty chunks are ignored', () => {
    const queue = new ByteQueue();
    expect(queue.length).toBe(0);
    queue.push(bytes(1, 2, 3));
    queue.push(new Uint8Array(0));
    queue.push(bytes(4));
    expect(queue.length).toBe(4);
  });

  test('byteAt reads across chunks without consuming', () => {
    const queue = new ByteQueue();
    queue.push(bytes(10, 11));
    queue.push(bytes(12));
    queue.push(bytes(13, 14, 15));
    expect([0, 1, 2, 3, 4, 5].map((i) => queue.byteAt(i))).toEqual([10, 11, 12, 13, 14, 15]);
    expect(queue.length).toBe(6);
  });

  test('peek returns the first n bytes and does not consume', () => {
    const queue = new ByteQueue();
    queue.push(bytes(1, 2));
    queue.push(bytes(3, 4));
    expect(Array.from(queue.peek(3))).toEqual([1, 2, 3]);
    expect(Array.from(queue.peek(3))).toEqual([1, 2, 3]);
    expect(queue.length).toBe(4);
  });

  test('consume within one chunk returns a view of the same memory (zero-copy)', () => {
    const queue = new ByteQueue();
    const chunk = bytes(1, 2, 3, 4, 5, 6);
    queue.push(chunk);
    const first = queue.consume(2);
    const second = queue.consume(3);
    expect(Array.from(first)).toEqual([1, 2]);
    expect(Array.from(second)).toEqual([3, 4, 5]);
    expect(first.buffer, 'consume(n) inside one chunk should be chunk.subarray(…), not a copy').toBe(chunk.buffer);
    expect(second.buffer).toBe(chunk.buffer);
    expect(second.byteOffset).toBe(2);
    expect(queue.length).toBe(1);
    expect(queue.byteAt(0)).toBe(6);
  });

  test('consume across chunks gathers the bytes in order', () => {
    const queue = new ByteQueue();
    queue.push(bytes(1, 2, 3));
    queue.push(bytes(4));
    queue.push(bytes(5, 6, 7));
    queue.consume(2);
    expect(Array.from(queue.consume(3))).toEqual([3, 4, 5]);
    expect(queue.length).toBe(2);
    expect(Array.from(queue.consume(2))).toEqual([6, 7]);
    expect(queue.length).toBe(0);
    queue.push(bytes(8));
    expect(queue.byteAt(0)).toBe(8);
  });

  test('any chunking and any consume sizes give back the same bytes, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 12 }),
        fc.array(fc.nat(25), { maxLength: 20 }),
        (chunks, sizes) => {
          const all = Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
          const queue = new ByteQueue();
          for (const chunk of chunks) queue.push(chunk);
          const pushed = chunks.map((chunk) => `[${hex(chunk)}]`).join(' ');
          /** Stops with the whole story: what was pushed, what was consumed, what went wrong. */
          const fail = (step: string, rule: string, expected: string, got: string): never => {
            throw new Error(
              `pushed ${chunks.length} chunks: ${pushed || '(none)'}\nthen consume() sizes: [${sizes.join(', ')}]\n` +
                `${step}: ${rule}\nexpected ${expected}\ngot      ${got}`,
            );
          };
          const out: number[] = [];
          for (const [step, size] of sizes.entries()) {
            const n = Math.min(size, queue.length);
            const where = `before consume #${step + 1} (${n} bytes)`;
            for (let i = 0; i < queue.length; i++) {
              const byte = queue.byteAt(i);
              if (byte !== all[out.length + i]) {
                fail(where, `byteAt(${i}) is the byte ${i} places after what was consumed so far`, `${all[out.length + i]}`, `${byte}`);
              }
            }
            const taken = queue.consume(n);
            const want = all.subarray(out.length, out.length + n);
            if (hex(taken) !== hex(want)) fail(`consume #${step + 1} (${n} bytes)`, 'the next n bytes, in order, across chunk boundaries', `[${hex(want)}]`, `[${hex(taken)}]`);
            out.push(...taken);
            if (queue.length !== all.length - out.length) {
              fail(`after consume #${step + 1}`, 'length is what was pushed minus what was consumed', `${all.length - out.length}`, `${queue.length}`);
            }
          }
          const rest = queue.consume(queue.length);
          if (hex(rest) !== hex(all.subarray(out.length))) {
            fail('consuming the rest', 'the remaining bytes, in order', `[${hex(all.subarray(out.length))}]`, `[${hex(rest)}]`);
          }
        },
      ),
    );
  });
});

describe('RFC 9112 §3: the request line', () => {
  test('method, target and version', () => {
    const head = parseEveryWay(SIMPLE);
    expect(head.method).toBe('GET');
    expect(head.target).toBe('/chat?room=1');
    expect(head.version).toBe('HTTP/1.1');
  });

  test('the method is case-sensitive and kept as sent (RFC 9110 §9.1)', () => {
    const text = 'get / HTTP/1.1\r\nHost: a\r\n\r\n';
    expect(
      parseEveryWay(text).method,
      `input: "${escaped(latin1(text))}"\n"get" is not "GET": methods are case-sensitive, so do not change their case (chapter 04 then refuses it)`,
    ).toBe('get');
  });

  test('an absolute-form target (ws://host/chat?x) is accepted and kept as sent (RFC 9112 §3.2.2)', () => {
    const text = 'GET ws://server.example.com/chat?x HTTP/1.1\r\nHost: server.example.com\r\n\r\n';
    expect(
      parseEveryWay(text).target,
      `input: "${escaped(latin1(text))}"\nrule: RFC 9112 §3.2.2: a server MUST accept the absolute-form request-target, not only ` +
        '"/path"; keep it as sent (chapter 04 takes the path out of it)',
    ).toBe('ws://server.example.com/chat?x');
  });

  test('empty lines before the request line are ignored (RFC 9112 §2.2)', () => {
    expect(parseEveryWay(`\r\n${SIMPLE}`).target).toBe('/chat?room=1');
  });

  test.each([
    ['a missing target', 'GET HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['two spaces between parts', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a method that is not a token', 'G@T / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a version that is not HTTP/x.y', 'GET / HTTP/1\r\nHost: a\r\n\r\n'],
    ['a lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n'],
    ['a control character in the target', 'GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['bytes that are not HTTP', '\x16\x03\x01\x00\xff \x00garbage\r\n\r\n'],
  ])('%s → 400 (RFC 9112 §3)', (why, text) => {
    expectRefused(text, 400, why);
  });
});

describe('RFC 9112 §5: header fields', () => {
  test('names are case-insensitive (lower-cased keys); values are trimmed of surrounding whitespace', () => {
    const head = parseEveryWay('GET / HTTP/1.1\r\nHOST:   example.com  \r\nX-Empty:\r\nx-Tab:\tinner  space\t\r\n\r\n');
    expect(plain(head)).toEqual({
      method: 'GET',
      target: '/',
      version: 'HTTP/1.1',
      headers: { host: ['example.com'], 'x-empty': [''], 'x-tab': ['inner  space'] },
    });
  });

  test('values keep their case: only names are case-insensitive (a Sec-WebSocket-Key is base64)', () => {
    const head = parseEveryWay(SIMPLE);
    expect(
      head.headers.get('sec-websocket-key'),
      `input: "${escaped(latin1(SIMPLE))}"\nRFC 9110 §5.1: field names are case-insensitive, values are not; base64 needs its upper-case letters`,
    ).toEqual(['dGhlIHNhbXBsZSBub25jZQ==']);
    expect(head.headers.get('connection'), 'the value of "Connection: keep-alive, Upgrade", as sent').toEqual(['keep-alive, Upgrade']);
  });

  test('bytes 0x80–0xFF in a value are kept byte for byte (RFC 9110 §5.5 obs-text)', () => {
    // "X-Name: " then 0xE9 0x80 0xFF, SP, 0xA0 inside; every byte above 0x7F is opaque data.
    const input = new Uint8Array([
      ...latin1('GET / HTTP/1.1\r\nHost: a\r\nX-Name: '),
      0xe9, 0x80, 0xff, 0x20, 0xa0, 0x41,
      ...latin1('\r\n\r\n'),
    ]);
    const head = parseEveryWay(Buffer.from(input).toString('latin1'));
    const got = head.headers.get('x-name')?.[0];
    expect(
      got === undefined ? 'no x-name field' : hex(latin1(got)),
      `input: "${escaped(input)}"\nrule: RFC 9110 §5.5: field-value = *field-content with obs-text = %x80-FF allowed; ` +
        'keep one character per byte (latin1), so the value is its bytes exactly (hex of the value)',
    ).toBe('e9 80 ff 20 a0 41');
  });

  test('only SP and HTAB are trimmed: a value ending or starting in byte 0xA0 keeps it (RFC 9110 §5.5, RFC 9112 §5)', () => {
    // 0xA0 is NBSP in latin1: String.prototype.trim() removes it, RFC 9112's OWS (SP / HTAB) does not.
    const input = new Uint8Array([
      ...latin1('GET / HTTP/1.1\r\nHost: a\r\nX-Tail:  '),
      0xa0, 0x61, 0xa0,
      ...latin1(' \t\r\n\r\n'),
    ]);
    const head = parseEveryWay(Buffer.from(input).toString('latin1'));
    const got = head.headers.get('x-tail')?.[0];
    expect(
      got === undefined ? 'no x-tail field' : hex(latin1(got)),
      `input: "${escaped(input)}"\nrule: RFC 9112 §5: field-line = field-name ":" OWS field-value OWS, and OWS is SP / HTAB ` +
        'only (RFC 9110 §5.6.3). String.prototype.trim() also removes U+00A0, which is what byte 0xA0 becomes in latin1: ' +
        'trim with /^[ \\t]+|[ \\t]+$/g instead. Expected the value a0 61 a0 (hex)',
    ).toBe('a0 61 a0');
  });

  test('a colon inside a value belongs to the value: the name ends at the first colon', () => {
    const text = 'GET / HTTP/1.1\r\nHost: example.com:8080\r\nOrigin: http://example.com:3000\r\n\r\n';
    const head = parseEveryWay(text);
    expect(
      { host: head.headers.get('host'), origin: head.headers.get('origin') },
      `input: "${escaped(latin1(text))}"\nrule: RFC 9112 §5: field-line = field-name ":" OWS field-value OWS; split at the first colon only`,
    ).toEqual({ host: ['example.com:8080'], origin: ['http://example.com:3000'] });
  });

  test('a repeated field keeps every value, in order', () => {
    const text = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nconnection: Upgrade\r\n\r\n';
    const head = parseEveryWay(text);
    expect(
      head.headers.get('connection'),
      `input: "${escaped(latin1(text))}"\nrule: RFC 9110 §5.3: a field sent on several lines is one list, in the order sent; ` +
        `so headers.get('connection') keeps both values, the later one appended, neither overwritten`,
    ).toEqual(['keep-alive', 'Upgrade']);
  });

  test('headerList splits comma lists across repeated lines, trims, drops empty items (RFC 9110 §5.6.1)', () => {
    const text = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nCONNECTION: ,x ,, y\r\n\r\n';
    const head = parseEveryWay(text);
    const rule =
      `input: "${escaped(latin1(text))}"\nrule: RFC 9110 §5.6.1: a list field is split on commas, across every line of ` +
      `that field in order; each item is trimmed of SP/HTAB and empty items (",x ,, y") are dropped`;
    expect(headerList(head, 'Connection'), `headerList(head, 'Connection')\n${rule}`).toEqual(['keep-alive', 'Upgrade', 'x', 'y']);
    expect(
      headerList(head, 'connection'),
      `headerList(head, 'connection'): field names are case-insensitive (RFC 9110 §5.1)\n${rule}`,
    ).toEqual(['keep-alive', 'Upgrade', 'x', 'y']);
    expect(
      headerList(head, 'Sec-WebSocket-Protocol'),
      'headerList(head, \'Sec-WebSocket-Protocol\') for a field the request does not have: an empty list, not undefined or an error',
    ).toEqual([]);
  });

  test('headerValue gives the value, repeats joined with ", ", undefined when absent', () => {
    const head = parseEveryWay(SIMPLE);
    expect(headerValue(head, 'HOST')).toBe('example.com');
    expect(headerValue(head, 'connection')).toBe('keep-alive, Upgrade');
    expect(headerValue(head, 'x-missing')).toBeUndefined();
    const twice = parseEveryWay('GET / HTTP/1.1\r\nA: 1\r\na: 2\r\n\r\n');
    expect(headerValue(twice, 'a')).toBe('1, 2');
  });

  test('a head with only the request line has no fields', () => {
    expect(parseEveryWay('GET / HTTP/1.1\r\n\r\n').headers.size).toBe(0);
  });

  test.each([
    ['whitespace between the field name and the colon (RFC 9112 §5.1)', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['obsolete line folding (RFC 9112 §5.2)', 'GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n'],
    ['a field line starting with a tab (obs-fold)', 'GET / HTTP/1.1\r\nHost: a\r\n\tX: y\r\n\r\n'],
    ['a space inside a field name (RFC 9110 §5.1: a name is a token)', 'GET / HTTP/1.1\r\nHo st: a\r\n\r\n'],
    ['a field name with a non-token character', 'GET / HTTP/1.1\r\nHost: a\r\nX(y): z\r\n\r\n'],
    ['an empty field name', 'GET / HTTP/1.1\r\n: a\r\n\r\n'],
    ['a field line without a colon', 'GET / HTTP/1.1\r\nHost a\r\n\r\n'],
    ['a NUL in a field value (RFC 9110 §5.5)', 'GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n'],
    ['a DEL in a field value (RFC 9110 §5.5)', 'GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n'],
  ])('%s → 400', (why, text) => {
    expectRefused(text, 400, why);
  });
});

describe('RFC 9112 §2.2: line endings', () => {
  test('a bare CR → 400', () => {
    expectRefused('GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n', 400, 'a CR not followed by LF (RFC 9112 §2.2)');
  });

  test('a bare LF is either refused with 400 or read as a line end (RFC 9112 §2.2 allows both)', () => {
    const input = latin1('GET / HTTP/1.1\nHost: a\r\n\r\n');
    const result = feed(input, 'whole');
    if ('error' in result) {
      const error = result.error;
      expect(error instanceof HttpError && error.status, `expected HttpError 400 for a bare LF, got ${String(error)}`).toBe(400);
    } else {
      expect(plain(result.head)).toEqual({ method: 'GET', target: '/', version: 'HTTP/1.1', headers: { host: ['a'] } });
    }
  });

  test('LF LF is not the end of a head', () => {
    const input = latin1('GET / HTTP/1.1\r\nHost: a\n\n');
    const result = feed(input, 'whole');
    // A TODO that throws is not a refusal: the parser must have looked at the bytes.
    if ('error' in result && result.error instanceof NotImplementedError) throw result.error;
    expect(
      'error' in result ? 'refused' : `a head: ${JSON.stringify(plain(result.head))}`,
      `input: "${escaped(input)}"\na head ends with CRLF CRLF, the empty line (RFC 9112 §2.1): search for \\r\\n\\r\\n, not \\n\\n. LF LF must be refused (400) or waited past, never parsed as the end`,
    ).toBe('refused');
  });
});

describe('limits: RFC 6585 §5, 431 Request Header Fields Too Large', () => {
  test('the defaults: 8 KiB, 100 fields', () => {
    expect(defaultHeadLimits).toEqual({ maxHeadBytes: 8192, maxHeaders: 100 });
  });

  test('a head exactly at maxHeadBytes passes; one byte more → 431', () => {
    const limits = { maxHeadBytes: 64, maxHeaders: 100 };
    const base = 'GET / HTTP/1.1\r\nX: \r\n\r\n';
    const fits = base.replace('X: ', `X: ${'a'.repeat(64 - base.length)}`);
    expect(fits.length).toBe(64);
    expect(parseEveryWay(fits, limits).headers.get('x')).toEqual(['a'.repeat(64 - base.length)]);
    expectRefused(fits.replace('X: ', 'X: a'), 431, 'a 65-byte head with maxHeadBytes 64', limits);
  });

  /** Feeds `block` 512 bytes at a time until the parser throws; returns the error and how much was fed. */
  function feedUntilRefused(block: Uint8Array): { error: unknown; fed: number } {
    const parser = new RequestHeadParser();
    const queue = new ByteQueue();
    const chunk = 512;
    let fed = 0;
    let error: unknown = null;
    while (fed < block.length && error === null) {
      queue.push(block.slice(fed, fed + chunk));
      fed += chunk;
      try {
        parser.parse(queue);
      } catch (caught) {
        error = caught;
      }
    }
    return { error, fed };
  }

  test.each([
    ['50 long header lines (fewer than maxHeaders)', `GET / HTTP/1.1\r\n${`X-Filler: ${'f'.repeat(1300)}\r\n`.repeat(50)}`],
    ['1300 short header lines', `GET / HTTP/1.1\r\n${'X-Filler: ffffffffffffffffffffffffffffffffffffffffffff\r\n'.repeat(1300)}`],
    ['one 64 KiB request line that never ends', `GET /${'a'.repeat(64 * 1024)}`],
  ])('a 64 KiB head without a blank line, %s, is refused at 8 KiB, not when it ends', (_, text) => {
    const block = latin1(text);
    expect(block.length).toBeGreaterThan(64 * 1024);
    const { error, fed } = feedUntilRefused(block);
    const got = error instanceof HttpError ? `HttpError ${error.status} after ${fed} bytes` : `${String(error)} after ${fed} bytes`;
    expect(
      error instanceof HttpError && error.status === 431 && fed <= 8192 + 512 ? 'HttpError 431 by 8704 bytes' : got,
      `fed "${escaped(block, 80)}" 512 bytes at a time, with maxHeadBytes 8192: count every byte as it arrives (RFC 6585 §5), ` +
        'not once the blank line comes or a line ends: a client that never sends one must not make the server buffer without end',
    ).toBe('HttpError 431 by 8704 bytes');
  });

  test('exactly maxHeaders fields pass; one more → 431', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    expect(parseEveryWay(`GET / HTTP/1.1\r\n${fields(100)}\r\n`).headers.size).toBe(100);
    expectRefused(`GET / HTTP/1.1\r\n${fields(101)}\r\n`, 431, 'more than 100 header fields');
    const small = { maxHeadBytes: 8192, maxHeaders: 3 };
    expect(parseEveryWay(`GET / HTTP/1.1\r\n${fields(3)}\r\n`, small).headers.size).toBe(3);
    expectRefused(`GET / HTTP/1.1\r\n${fields(4)}\r\n`, 431, 'more than maxHeaders (3) fields', small);
  });

  test('too many fields are refused as soon as they are counted, before the blank line', () => {
    const parser = new RequestHeadParser();
    const queue = new ByteQueue();
    queue.push(latin1(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(200)}`));
    let outcome: string;
    try {
      outcome = `returned ${String(parser.parse(queue))}`;
    } catch (error) {
      outcome = error instanceof HttpError ? `HttpError ${error.status}` : String(error);
    }
    expect(outcome, '200 complete field lines (about 1.2 KiB, no blank line yet) already exceed 100 fields').toBe('HttpError 431');
  });
});

describe('incremental parsing (RFC 9112 §2.2: the head ends with CRLF CRLF)', () => {
  test('parse() returns null and consumes nothing until the blank line arrives', () => {
    const parser = new RequestHeadParser();
    const queue = new ByteQueue();
    queue.push(latin1('GET / HTTP/1.1\r\nHost: a\r\n'));
    expect(parser.parse(queue)).toBeNull();
    expect(queue.length).toBe(25);
    queue.push(latin1('\r'));
    expect(parser.parse(queue)).toBeNull();
    queue.push(latin1('\n'));
    expect(parser.parse(queue)?.headers.get('host')).toEqual(['a']);
    expect(queue.length).toBe(0);
  });

  test('the CRLF CRLF split across chunks, with a frame behind it in the same chunk', () => {
    const parser = new RequestHeadParser();
    const queue = new ByteQueue();
    queue.push(latin1('GET / HTTP/1.1\r\nHost: a\r\n\r'));
    expect(parser.parse(queue)).toBeNull();
    queue.push(Uint8Array.of(0x0a, ...TRAILING));
    expect(parser.parse(queue)?.target).toBe('/');
    expect(hex(queue.peek(queue.length))).toBe(hex(TRAILING));
  });

  test('the search for the blank line resumes where it stopped (no rescan from byte 0)', () => {
    /** A queue that counts how many bytes the parser looks at. */
    class CountingQueue extends ByteQueue {
      looked = 0;
      override byteAt(index: number): number {
        this.looked++;
        return super.byteAt(index);
      }
      override peek(n: number): Uint8Array {
        this.looked += n;
        return super.peek(n);
      }
      override consume(n: number): Uint8Array {
        this.looked += n;
        return super.consume(n);
      }
    }
    const text = `GET / HTTP/1.1\r\n${'X-Field: value value value\r\n'.repeat(60)}\r\n`;
    const parser = new RequestHeadParser();
    const queue = new CountingQueue();
    let head: RequestHead | null = null;
    for (const byte of latin1(text)) {
      queue.push(Uint8Array.of(byte));
      head = parser.parse(queue);
    }
    expect(head?.headers.get('x-field')).toHaveLength(60);
    expect(
      queue.looked,
      `fed ${text.length} bytes one at a time, the parser looked at ${queue.looked} bytes: remember how far the search got`,
    ).toBeLessThan(text.length * 10);
  });

  test('an 8 KiB head arriving one byte per chunk is parsed in well under a second', () => {
    const text = `GET / HTTP/1.1\r\n${`X-Field: ${'v'.repeat(70)}\r\n`.repeat(99)}\r\n`;
    expect(text.length).toBeLessThanOrEqual(8192);
    const parser = new RequestHeadParser();
    const queue = new ByteQueue();
    let head: RequestHead | null = null;
    const input = latin1(text);
    const started = performance.now();
    let fed = 0;
    // The loop is synchronous, so no test timeout could stop it: it stops itself after a second.
    while (fed < input.length && performance.now() - started < 1000) {
      queue.push(input.subarray(fed, ++fed));
      head = parser.parse(queue);
    }
    const elapsed = performance.now() - started;
    expect(
      fed === input.length ? `parsed in ${elapsed < 1000 ? 'under' : 'over'} a second` : `${fed} bytes parsed in a second`,
      `a ${input.length}-byte head fed one byte per chunk: each parse() call must look at the new bytes only (remember how far the search got), and byteAt must not walk every chunk from the start`,
    ).toBe('parsed in under a second');
    expect(head?.headers.get('x-field')).toHaveLength(99);
  });

  test('a parser refuses with HttpError, never another error, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (input) => {
        const parser = new RequestHeadParser({ maxHeadBytes: 40, maxHeaders: 3 });
        const queue = new ByteQueue();
        queue.push(input);
        queue.push(latin1('\r\n\r\n'));
        try {
          parser.parse(queue);
        } catch (error) {
          const got = error instanceof HttpError ? `HttpError ${error.status}` : `${error instanceof Error ? error.constructor.name : typeof error}: ${String(error)}`;
          if (!(error instanceof HttpError) || (error.status !== 400 && error.status !== 431)) {
            throw new Error(
              `parse() with limits { maxHeadBytes: 40, maxHeaders: 3 } fed the bytes [${hex(input)}] then 0d 0a 0d 0a\n` +
                `rule: any malformed head is HttpError 400 and one past a limit is HttpError 431 (RFC 9112 §2–§5, RFC 6585 §5); ` +
                `never another error, which would reach the connection as an internal failure\ngot ${got}`,
            );
          }
        }
      }),
    );
  });
});

describe('on the wire: a head the parser refuses is answered, then the TCP close', () => {
  afterEach(closeTestServers);

  test('400 for whitespace before a colon (RFC 9112 §5.1), with a body that says why', async () => {
    const server = await startTestServer({ protocols: ['chat'] });
    const client = await RawClient.connect(server.port, { silenceMs: PROMPT_SILENCE_MS });
    await client.write(upgradeRequest().replace('Upgrade:', 'Upgrade :'));
    const response = await client.readHttpResponse();
    if (response.status !== 400) client.fail('expected 400 for whitespace before a colon (RFC 9112 §5.1)');
    const connection = (response.headers.get('connection') ?? []).flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase());
    if (!connection.includes('close')) {
      client.fail('expected "Connection: close" with the 400: the server closes the connection after a refusal (RFC 9112 §9.6)');
    }
    if (!response.headers.has('content-length')) client.fail(`a refusal's body needs Content-Length (RFC 9110 §8.6)`);
    if (response.body.length === 0) client.fail('expected a short text body saying why the request was refused');
    await client.expectClosed();
  });
});
