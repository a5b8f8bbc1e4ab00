/**
 * Chapter 06: the close frame's payload (RFC 6455 §5.5.1, §7.4), the closing handshake (§7.1.2–
 * §7.1.4) and failing the connection (§7.1.7), as functions and on the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CloseInfo } from '@impl/06-closing/close.ts';
import { MAX_REASON_BYTES, encodeClosePayload, isValidCloseCode, parseClosePayload } from '@impl/06-closing/close.ts';
import { closeForError, replyToClose } from '@impl/06-closing/closing-handshake.ts';
import { ReadyState } from '../core/ready-state.ts';
import type { ConnectionEvent } from '../server/wiring/connection.ts';
import type { SocketConnection } from '../server/wiring/socket-connection.ts';
import { ProtocolError } from '../core/errors.ts';
import type { FrameRead } from '../tools/wire/index.ts';
import { PROMPT_SILENCE_MS, RawClient, clientFrame, concatBytes, fromHex, hex, openWebSocket } from '../tools/wire/index.ts';
import { closeTestServers, startTestServer } from './helpers/server.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const utf8Length = (s: string) => utf8(s).length;

/** A close payload: the code in 2 big-endian bytes, then the reason (bytes or UTF-8 text). */
function closePayload(code: number, reason: Uint8Array | string = ''): Uint8Array {
  const head = Uint8Array.of(code >> 8, code & 0xff);
  return concatBytes(head, typeof reason === 'string' ? utf8(reason) : reason);
}

/**
 * The codes that may be sent, written out independently of the chapter's code: RFC 6455 §7.4.1
 * defines 1000–1003 and 1007–1011; the IANA registry (§11.7) has added 1012–1014; 3000–3999 are
 * registered by libraries and applications and 4000–4999 are private (§7.4.2).
 */
function validByTheRegistry(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
/** Autobahn's invalid codes (cases 7.9.x: 0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999), and more. */
const INVALID_CODES = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

function expectProtocolError(fn: () => unknown, code: number, context: string): void {
  let thrown: unknown = null;
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === null) throw new Error(`${context}\nexpected a ProtocolError with code ${code}, got ${JSON.stringify(result)}`);
  if (!(thrown instanceof ProtocolError)) throw new Error(`${context}\nexpected a ProtocolError, got ${String(thrown)}`);
  expect(thrown.code, `${context}\nthe ProtocolError "${thrown.message}" carries the wrong close code`).toBe(code);
}

describe('RFC 6455 §7.4: which close codes may be sent', () => {
  for (const code of VALID_CODES) {
    it(`${code} is valid`, () => {
      expect(isValidCloseCode(code), `isValidCloseCode(${code}) (RFC 6455 §7.4.1, §7.4.2)`).toBe(true);
    });
  }
  for (const code of INVALID_CODES) {
    it(`${code} is not`, () => {
      expect(
        isValidCloseCode(code),
        `isValidCloseCode(${code}): 0–999 unused, 1004 reserved, 1005/1006/1015 never sent, 1016–2999 not defined ` +
          'by RFC 6455 nor registered with IANA, ≥ 5000 out of range (RFC 6455 §7.4)',
      ).toBe(false);
    });
  }
  it('every code from 0 to 65535 follows the rule', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) if (isValidCloseCode(code) !== validByTheRegistry(code)) wrong.push(code);
    expect(
      wrong.slice(0, 20),
      'codes judged wrongly (first 20): valid are 1000–1003, 1007–1011 (RFC 6455 §7.4.1), 1012–1014 (IANA registry), 3000–4999 (§7.4.2)',
    ).toEqual([]);
  });
});

describe('RFC 6455 §5.5.1: parsing a close frame’s payload', () => {
  it('an empty payload means no status code: 1005, no reason', () => {
    expect(parseClosePayload(new Uint8Array(0)), 'parseClosePayload(empty) (§7.1.5: report 1005)').toEqual({
      code: 1005,
      reason: '',
    });
  });

  it('03 e8 is 1000 (big-endian), no reason', () => {
    expect(parseClosePayload(fromHex('03 e8')), 'parseClosePayload(03 e8): a 2-byte code in network byte order').toEqual({
      code: 1000,
      reason: '',
    });
  });

  it('the code then a UTF-8 reason', () => {
    const payload = closePayload(1001, 'going away — ünïcødé ✓');
    expect(parseClosePayload(payload), `parseClosePayload(${hex(payload)})`).toEqual({
      code: 1001,
      reason: 'going away — ünïcødé ✓',
    });
  });

  it('a payload that is a view into a larger buffer', () => {
    const buffer = concatBytes(fromHex('ff ff ff'), closePayload(4000, 'ok'), fromHex('ff'));
    const payload = buffer.subarray(3, 7);
    expect(
      parseClosePayload(payload),
      'parseClosePayload of a subarray (byteOffset 3): read from the view, not from the start of its buffer',
    ).toEqual({ code: 4000, reason: 'ok' });
  });

  for (const code of VALID_CODES) {
    it(`accepts code ${code}`, () => {
      expect(parseClosePayload(closePayload(code)).code, `parseClosePayload(${hex(closePayload(code))})`).toBe(code);
    });
  }

  it('a 1-byte payload is a protocol error (1002)', () => {
    expectProtocolError(() => parseClosePayload(fromHex('03')), 1002, 'parseClosePayload(03): a code takes 2 bytes (§5.5.1)');
  });

  for (const code of INVALID_CODES) {
    it(`code ${code} is a protocol error (1002)`, () => {
      expectProtocolError(
        () => parseClosePayload(closePayload(code)),
        1002,
        `parseClosePayload(${hex(closePayload(code))}): ${code} may not be sent (§7.4)`,
      );
    });
  }

  const badUtf8: [string, Uint8Array][] = [
    ['a lone continuation byte', fromHex('80')],
    ['0xff', fromHex('ff')],
    ['an overlong "/"', fromHex('c0 af')],
    ['a UTF-16 surrogate', fromHex('ed a0 80')],
    ['a truncated "€"', fromHex('e2 82')],
    ['a code point above U+10FFFF', fromHex('f4 90 80 80')],
  ];
  for (const [what, reason] of badUtf8) {
    it(`a reason with ${what} is invalid data (1007)`, () => {
      const payload = closePayload(1000, concatBytes(utf8('bye '), reason));
      expectProtocolError(
        () => parseClosePayload(payload),
        1007,
        `parseClosePayload(${hex(payload)}): the reason must be UTF-8 (§5.5.1); not UTF-8 is 1007 (§7.4.1)`,
      );
    });
  }
});

describe('RFC 6455 §5.5.1: encoding a close frame’s payload', () => {
  it('the code big-endian, then the reason in UTF-8', () => {
    expect(hex(encodeClosePayload(1000)), 'encodeClosePayload(1000)').toBe('03 e8');
    expect(hex(encodeClosePayload(1000, 'bye')), "encodeClosePayload(1000, 'bye')").toBe('03 e8 62 79 65');
    expect(hex(encodeClosePayload(4999, 'é')), "encodeClosePayload(4999, 'é')").toBe('13 87 c3 a9');
  });

  it('1005 (no status) is an empty payload', () => {
    expect(encodeClosePayload(1005).length, 'encodeClosePayload(1005): "no status code" is said with no payload').toBe(0);
  });

  it(`a reason of ${MAX_REASON_BYTES} bytes fits, one more byte does not`, () => {
    expect(MAX_REASON_BYTES).toBe(123);
    expect(encodeClosePayload(1000, 'x'.repeat(123)).length, '2 + 123 = 125, the control frame limit (§5.5)').toBe(125);
    expect(() => encodeClosePayload(1000, 'x'.repeat(124)), 'a 124-byte reason (§5.5: 125 bytes in all)').toThrow(RangeError);
    expect(() => encodeClosePayload(1000, 'é'.repeat(62)), '62 × "é" is 124 bytes of UTF-8').toThrow(RangeError);
  });

  for (const code of [0, 999, 1004, 1006, 1015, 2000, 5000]) {
    it(`refuses to encode code ${code}`, () => {
      expect(() => encodeClosePayload(code), `encodeClosePayload(${code}) may not be sent (§7.4)`).toThrow(RangeError);
    });
  }

  it('round-trips through parseClosePayload', () => {
    for (const [code, reason] of [[1000, ''], [1001, 'bye'], [3000, 'ünï'], [4999, 'x'.repeat(123)]] as const) {
      expect(parseClosePayload(encodeClosePayload(code, reason))).toEqual({ code, reason });
    }
  });
});

describe('RFC 6455 §7.1.2–§7.1.4: answering a close frame', () => {
  it('in OPEN: echo the code in a close frame back', () => {
    const reply = replyToClose(ReadyState.OPEN, { code: 1000, reason: 'bye' });
    expect(reply?.code, 'replyToClose(OPEN, 1000): send a close frame back echoing the code (§5.5.1)').toBe(1000);
    expect(utf8Length(reply!.reason), 'a reason that fits a close frame').toBeLessThanOrEqual(123);
  });

  it('in OPEN, an empty close is answered with an empty close', () => {
    const reply = replyToClose(ReadyState.OPEN, { code: 1005, reason: '' });
    expect(reply, 'replyToClose(OPEN, 1005): the peer started, so a close frame goes back').not.toBeNull();
    expect(encodeClosePayload(reply!.code, reply!.reason).length, 'an empty close payload back').toBe(0);
  });

  for (const code of [1001, 1002, 1011, 3000, 4999]) {
    it(`in OPEN, code ${code} is echoed`, () => {
      expect(replyToClose(ReadyState.OPEN, { code, reason: '' })?.code).toBe(code);
    });
  }

  it('in CLOSING (we sent ours first): the handshake is complete, no reply', () => {
    const reply = replyToClose(ReadyState.CLOSING, { code: 1000, reason: '' });
    expect(reply, 'replyToClose(CLOSING, …): our close frame is already out, send nothing (§7.1.2)').toBeNull();
  });
});

describe('RFC 6455 §7.1.7: the close frame that fails the connection', () => {
  it('a ProtocolError gives its own code and message', () => {
    expect(closeForError(new ProtocolError('reserved opcode 0x3'))).toEqual({ code: 1002, reason: 'reserved opcode 0x3' });
    expect(closeForError(new ProtocolError('not UTF-8', 1007))).toEqual({ code: 1007, reason: 'not UTF-8' });
    expect(closeForError(new ProtocolError('too big', 1009)).code).toBe(1009);
  });

  it('a long message is cut to 123 bytes of UTF-8, never inside a character', () => {
    const ascii = closeForError(new ProtocolError('x'.repeat(300)));
    expect(ascii.reason, 'cut to MAX_REASON_BYTES').toBe('x'.repeat(123));
    for (const unit of ['é', '€', '😀']) {
      const message = unit.repeat(100);
      const { reason } = closeForError(new ProtocolError(message));
      const bytes = utf8Length(reason);
      const context = `closeForError(ProtocolError("${unit}" × 100)): reason of ${bytes} bytes`;
      expect(bytes, `${context}: at most 123 (§5.5)`).toBeLessThanOrEqual(123);
      expect(bytes, `${context}: as much as fits`).toBeGreaterThan(123 - utf8Length(unit));
      expect(message.startsWith(reason), `${context}: a prefix of the message, no U+FFFD from a split character`).toBe(true);
    }
  });

  it('anything else is 1011 and says nothing about the error', () => {
    const info: CloseInfo = closeForError(new Error('ENOENT /home/secret/config.json'));
    expect(info.code, 'an unexpected error is 1011 (internal error, §7.4.1)').toBe(1011);
    expect(info.reason, 'the reason must not leak the error message').not.toContain('secret');
    expect(closeForError('a string').code).toBe(1011);
    expect(closeForError(new RangeError('x')).code).toBe(1011);
  });
});

// ------------------------------------------------------------------------------------------------
// On the wire

const TEXT = 0x1;
const CLOSE = 0x8;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await closeTestServers();
});

async function open(app?: (connection: SocketConnection, event: ConnectionEvent) => void): Promise<RawClient> {
  const server = await startTestServer(app === undefined ? {} : { app });
  const client = await openWebSocket(server.port);
  clients.push(client);
  return client;
}

/**
 * Reads the server's next frame and requires an unmasked close frame. The answer is due at once, so
 * the read fails as soon as another kind of frame starts, or when nothing comes for a while.
 */
async function readClose(client: RawClient, expected: string): Promise<FrameRead> {
  return client.readFrame({
    silenceMs: PROMPT_SILENCE_MS,
    expect: { expected, opcodes: [CLOSE], maxPayloadLength: 125, fin: true },
  });
}

/** Requires the server to close TCP now, with no frame before it: the closing handshake is over. */
async function expectTcpClose(client: RawClient, expected: string): Promise<void> {
  await client.expectClosed({ silenceMs: PROMPT_SILENCE_MS, only: [], expected });
}

/** Sends `payload` in a close frame; the server must answer with a close frame of `code`, then close TCP. */
async function expectCloseAnswer(payload: Uint8Array, code: number | 'empty', why: string): Promise<FrameRead> {
  const client = await open();
  await client.write(clientFrame({ opcode: CLOSE, payload }));
  const expected = code === 'empty' ? 'an empty close frame' : `a close frame with code ${code}`;
  const frame = await readClose(client, `${expected} (${why})`);
  if (code === 'empty' ? frame.payload.length !== 0 : frame.closeCode !== code) {
    client.fail(`expected ${expected} (${why}), got payload ${hex(frame.payload)}`);
  }
  // The server closes the TCP connection first, right after its close frame (§7.1.1).
  await expectTcpClose(
    client,
    'the server to close the TCP connection after the closing handshake, sending nothing after its close frame (RFC 6455 §7.1.1, §5.5.1)',
  );
  if (client.unread.length > 0) client.fail('expected nothing after the close frame (RFC 6455 §5.5.1)');
  return frame;
}

describe('RFC 6455 §7.1.2, §5.5.1: the client starts the closing handshake', () => {
  it('close 1000 is answered with close 1000, then the server closes TCP', async () => {
    await expectCloseAnswer(closePayload(1000), 1000, 'the server echoes the code (RFC 6455 §5.5.1)');
  });

  it('an empty close is answered with an empty close', async () => {
    await expectCloseAnswer(new Uint8Array(0), 'empty', 'no status code in, no status code out (RFC 6455 §5.5.1)');
  });

  it('a close with a reason is answered with its code', async () => {
    await expectCloseAnswer(closePayload(1001, 'tab closed'), 1001, 'echo the code (RFC 6455 §5.5.1)');
  });

  for (const code of [3000, 4999]) {
    it(`close ${code} is echoed`, async () => {
      await expectCloseAnswer(closePayload(code), code, 'a valid application code (RFC 6455 §7.4.2)');
    });
  }

  for (const [code, name] of [[1012, 'service restart'], [1013, 'try again later'], [1014, 'bad gateway']] as const) {
    it(`close ${code} (${name}) is accepted and echoed`, async () => {
      await expectCloseAnswer(
        closePayload(code, name),
        code,
        `${code} is registered with IANA (${name}), in the registry RFC 6455 §11.7 created: a peer may send it`,
      );
    });
  }

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000]) {
    it(`close ${code} fails the connection with 1002`, async () => {
      await expectCloseAnswer(closePayload(code), 1002, `${code} may not be sent (RFC 6455 §7.4)`);
    });
  }

  it('a 1-byte close payload fails the connection with 1002', async () => {
    await expectCloseAnswer(fromHex('03'), 1002, 'a status code takes 2 bytes (RFC 6455 §5.5.1)');
  });

  it('a reason that is not UTF-8 fails the connection with 1007', async () => {
    await expectCloseAnswer(closePayload(1000, fromHex('ce ba e1 bd b9 cf 83 ff')), 1007, 'the reason must be UTF-8 (RFC 6455 §5.5.1, §7.4.1)');
  });

  it('data after the close frame is ignored', async () => {
    const client = await open();
    await client.write(
      concatBytes(
        clientFrame({ opcode: CLOSE, payload: closePayload(1000) }),
        clientFrame({ opcode: TEXT, payload: 'after the close' }),
      ),
    );
    const frame = await readClose(client, 'a close frame (1000), and no echo of the text after it (RFC 6455 §5.5.1)');
    if (frame.closeCode !== 1000) client.fail(`expected close code 1000, got ${frame.closeCode ?? 'none'}`);
    await expectTcpClose(client, 'the TCP close and nothing before it: data after a close frame is not read (RFC 6455 §5.5.1)');
    if (client.unread.length > 0) {
      client.fail('expected nothing after the close frame: data after a close frame is not read (RFC 6455 §5.5.1)');
    }
  });
});

describe('RFC 6455 §7.1.2, §7.1.1: the server starts the closing handshake', () => {
  it('sends its close frame, waits for the answer, then closes TCP', async () => {
    const client = await open((connection, event) => {
      if (event.type === 'open') connection.close(1000, 'bye');
    });
    const frame = await readClose(client, "the server's close frame (1000, 'bye')");
    if (frame.closeCode !== 1000 || frame.closeReason !== 'bye') {
      client.fail(`expected close 1000 with reason 'bye', got ${hex(frame.payload)}`);
    }
    // Until the client answers, the server waits (for a while) rather than closing at once.
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (client.closedByPeer) {
      client.fail('the server closed TCP before the client answered its close frame (RFC 6455 §7.1.2: wait for the answer)');
    }
    await client.write(clientFrame({ opcode: CLOSE, payload: closePayload(1000) }));
    await expectTcpClose(
      client,
      'the server to close TCP once the client answered, with no second close frame (RFC 6455 §7.1.1: the server closes first)',
    );
    if (client.unread.length > 0) {
      client.fail('the closing handshake is complete: the server sends no second close frame (RFC 6455 §5.5.1)');
    }
  });

  it('after its close frame, the server echoes no more data', async () => {
    const client = await open((connection, event) => {
      if (event.type === 'open') connection.close(4000, 'done');
      if (event.type === 'message') connection.send(event.message.data);
    });
    const frame = await readClose(client, "the server's close frame (4000)");
    if (frame.closeCode !== 4000) client.fail(`expected close code 4000, got ${hex(frame.payload)}`);
    await client.write(
      concatBytes(
        clientFrame({ opcode: TEXT, payload: 'late' }),
        clientFrame({ opcode: CLOSE, payload: closePayload(4000) }),
      ),
    );
    await expectTcpClose(client, 'the TCP close and no echo: after its close frame the server sends no more data (RFC 6455 §5.5.1)');
    if (client.unread.length > 0) {
      client.fail('expected no echo after the server sent its close frame (RFC 6455 §5.5.1: no more data)');
    }
  });
});

describe('RFC 6455 §7.1.7: failing the connection sends a close frame with the error’s code', () => {
  it('an unmasked frame: close 1002, then the TCP close', async () => {
    const client = await open();
    await client.write(clientFrame({ opcode: TEXT, payload: 'Hello', mask: false }));
    const frame = await readClose(client, 'a close frame with code 1002 (RFC 6455 §5.1, §7.1.7)');
    if (frame.closeCode !== 1002) client.fail(`expected close code 1002, got ${hex(frame.payload)}`);
    await expectTcpClose(client, 'the TCP close right after the close frame (RFC 6455 §7.1.7, §7.1.1)');
  });

  it('a ping of 126 bytes: close 1002', async () => {
    const client = await open();
    await client.write(clientFrame({ opcode: 0x9, payload: new Uint8Array(126) }));
    const frame = await readClose(client, 'a close frame with code 1002 (control frames carry at most 125 bytes, RFC 6455 §5.5)');
    if (frame.closeCode !== 1002) client.fail(`expected close code 1002, got ${hex(frame.payload)}`);
    await expectTcpClose(client, 'the TCP close right after the close frame (RFC 6455 §7.1.7, §7.1.1)');
  });
});
