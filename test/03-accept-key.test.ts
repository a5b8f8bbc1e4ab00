/**
 * Chapter 03: Sec-WebSocket-Key → Sec-WebSocket-Accept (RFC 6455 §1.3, §4.1, §4.2.2).
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WEBSOCKET_GUID, computeAccept, isValidKey } from '@impl/03-accept-key/accept-key.ts';
// The expected values come from the client toolkit, computed independently of the chapter.
import { WEBSOCKET_GUID as RFC_GUID, acceptFor } from '../tools/wire/index.ts';

/** Wrong answers a first attempt often gives, each with what went wrong. */
function knownMistakes(key: string): [string, string][] {
  const sha1 = (input: string | Buffer) => createHash('sha1').update(input);
  const hexDigest = sha1(key + RFC_GUID).digest('hex');
  return [
    ['this is the hex digest: encode the 20 digest bytes in base64, not their hex text', hexDigest],
    ['this is base64 of the hex text of the digest: base64-encode the 20 digest bytes themselves (digest("base64"))', Buffer.from(hexDigest).toString('base64')],
    ['this hashes the decoded key bytes: hash the key string exactly as it was sent', sha1(Buffer.concat([Buffer.from(key, 'base64'), Buffer.from(RFC_GUID)])).digest('base64')],
    ['the key was lower-cased: base64 is case-sensitive', acceptFor(key.toLowerCase())],
    ['the key was upper-cased: base64 is case-sensitive', acceptFor(key.toUpperCase())],
    ['the GUID is in lower case: use it exactly as RFC 6455 §1.3 writes it, upper-case', sha1(key + RFC_GUID.toLowerCase()).digest('base64')],
    ['this hashes GUID + key: the key comes first, then the GUID', sha1(RFC_GUID + key).digest('base64')],
    ['this hashes the key alone: append the GUID before hashing', sha1(key).digest('base64')],
    ['something separates the key and the GUID: concatenate them directly', sha1(`${key} ${RFC_GUID}`).digest('base64')],
    ['this is SHA-256: the accept value uses SHA-1', createHash('sha256').update(key + RFC_GUID).digest('base64')],
    ['this is base64url (- _ and no padding): use the standard alphabet with + / and =', sha1(key + RFC_GUID).digest('base64url')],
  ];
}

describe('RFC 6455 §1.3: the GUID', () => {
  test('is the one in the RFC, upper-case hex with dashes', () => {
    expect(WEBSOCKET_GUID, 'the GUID exactly as RFC 6455 §1.3 writes it').toBe(RFC_GUID);
  });
});

describe('RFC 6455 §4.2.2 item 5.4: computeAccept', () => {
  test.each([
    ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'RFC 6455 §1.3'],
    ['x3JJHMbDL1EzLkh9GBhXDw==', 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=', 'the chat example'],
  ])('%s → %s (%s)', (key, accept) => {
    const got = computeAccept(key);
    const hints = knownMistakes(key)
      .filter(([, wrong]) => wrong === got)
      .map(([why]) => why);
    expect(
      got,
      `computeAccept("${key}")${hints.length ? ` — ${hints.join('; ')}` : ''}\nexpected base64(SHA-1(key + "${RFC_GUID}")), the 20 digest bytes in standard base64 (RFC 6455 §4.2.2 item 5.4)`,
    ).toBe(accept);
  });

  test('is 28 base64 characters: the 20 bytes of a SHA-1 digest', () => {
    expect(computeAccept('dGhlIHNhbXBsZSBub25jZQ==')).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });

  test('hashes the key string exactly as given: no trimming, no change of case', () => {
    const key = 'x3JJHMbDL1EzLkh9GBhXDw==';
    expect(computeAccept(key.toLowerCase()), 'base64 is case-sensitive: do not lower-case the key').toBe(acceptFor(key.toLowerCase()));
    expect(computeAccept(` ${key}`), 'the parser already trimmed the value; computeAccept hashes what it is given').toBe(
      acceptFor(` ${key}`),
    );
  });

  test('matches an independent computation for random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (nonce) => {
        const key = Buffer.from(nonce).toString('base64');
        expect(computeAccept(key)).toBe(acceptFor(key));
      }),
    );
  });
});

describe('RFC 6455 §4.1 item 7: isValidKey (the base64 of exactly 16 bytes)', () => {
  test.each(['dGhlIHNhbXBsZSBub25jZQ==', 'x3JJHMbDL1EzLkh9GBhXDw==', 'AAAAAAAAAAAAAAAAAAAAAA==', '/+/+/+/+/+/+/+/+/+/+/w=='])(
    '%s is valid',
    (key) => {
      expect(isValidKey(key)).toBe(true);
    },
  );

  test('any 16 random bytes in base64 are valid', () => {
    for (let i = 0; i < 50; i++) {
      const key = randomBytes(16).toString('base64');
      expect(isValidKey(key), key).toBe(true);
    }
  });

  test.each([
    ['empty', ''],
    ['15 bytes', Buffer.alloc(15, 7).toString('base64')],
    ['17 bytes', Buffer.alloc(17, 7).toString('base64')],
    ['32 bytes', Buffer.alloc(32, 7).toString('base64')],
    ['no padding', 'dGhlIHNhbXBsZSBub25jZQ'],
    ['one "=" only', 'dGhlIHNhbXBsZSBub25jZQ='],
    ['too much padding', 'dGhlIHNhbXBsZSBub25jZ==='],
    ['"=" in the middle', 'dGhlIHNhbXBs=SBub25jZQ=='],
    ['URL-safe alphabet', 'dGhlIHNh-XBsZSBub25_ZQ=='],
    ['a "!"', 'dGhlIHNhbXBsZSBub25jZ!=='],
    ['a leading space', ' dGhlIHNhbXBsZSBub25jZQ=='],
    ['a trailing space', 'dGhlIHNhbXBsZSBub25jZQ== '],
    ['a space inside', 'dGhlIHNhbXBs ZSBub25jZQ=='],
    ['a line break inside', 'dGhlIHNhbXBsZSBu\nb25jZQ=='],
    ['the sample key twice', 'dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ=='],
    ['16 characters of plain text', 'the sample nonce'],
  ])('%s is invalid', (_, key) => {
    expect(isValidKey(key), `isValidKey(${JSON.stringify(key)})`).toBe(false);
  });
});
