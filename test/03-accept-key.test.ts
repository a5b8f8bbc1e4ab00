/**
 * Chapter 03: Sec-WebSocket-Key → Sec-WebSocket-Accept (RFC 6455 §1.3, §4.1, §4.2.2).
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WEBSOCKET_GUID, computeAccept, isValidKey } from '@impl/03-accept-key/accept-key.ts';

/**
 * RFC 6455 §1.3's GUID, written out here: every expected value below is computed from this copy,
 * never from the chapter's constant, so a typo there cannot slip into what the tests expect.
 */
const RFC_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 6455 §1.3's worked example: this key gives this accept value. */
const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** The accept value as RFC 6455 §4.2.2 item 5.4 defines it, from the GUID above. */
function acceptFor(key: string): string {
  return createHash('sha1').update(key + RFC_GUID, 'latin1').digest('base64');
}

/** Where the chapter's GUID differs from the RFC's, if it does: a line for a failure message. */
function guidNote(): string {
  const guid: string = WEBSOCKET_GUID;
  if (guid === RFC_GUID) return '';
  let at = 0;
  while (at < RFC_GUID.length && guid[at] === RFC_GUID[at]) at++;
  return (
    `\nnote: WEBSOCKET_GUID is ${JSON.stringify(guid)}, RFC 6455 §1.3 writes ${JSON.stringify(RFC_GUID)}; ` +
    `they differ from character ${at + 1} on`
  );
}

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
    expect(
      WEBSOCKET_GUID,
      `WEBSOCKET_GUID must be the GUID exactly as RFC 6455 §1.3 writes it, upper-case hex with dashes, ` +
        `no spaces or braces${guidNote()}`,
    ).toBe(RFC_GUID);
  });
});

describe('RFC 6455 §4.2.2 item 5.4: computeAccept', () => {
  test.each([
    [RFC_KEY, RFC_ACCEPT, 'RFC 6455 §1.3'],
    ['x3JJHMbDL1EzLkh9GBhXDw==', 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=', 'the chat example'],
  ])('%s → %s (%s)', (key, accept) => {
    const got = computeAccept(key);
    const hints = knownMistakes(key)
      .filter(([, wrong]) => wrong === got)
      .map(([why]) => why);
    expect(
      got,
      `computeAccept("${key}")${hints.length ? ` — ${hints.join('; ')}` : ''}\n` +
        `rule: base64(SHA-1(key + "${RFC_GUID}")), the 20 digest bytes in standard base64 (RFC 6455 §4.2.2 item 5.4; ` +
        `§1.3 works the example: "${RFC_KEY}" → "${RFC_ACCEPT}")${guidNote()}`,
    ).toBe(accept);
  });

  test('is 28 base64 characters: the 20 bytes of a SHA-1 digest', () => {
    const got = computeAccept(RFC_KEY);
    expect(
      /^[A-Za-z0-9+/]{27}=$/.test(got),
      `computeAccept("${RFC_KEY}") gave ${JSON.stringify(got)} (${got.length} characters)\n` +
        `rule: a SHA-1 digest is 20 bytes, and 20 bytes in standard base64 are 27 characters of A–Z a–z 0–9 + / ` +
        `then one "=" of padding, 28 in all (RFC 6455 §4.2.2 item 5.4); expected e.g. "${RFC_ACCEPT}" for this key`,
    ).toBe(true);
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
        const got = computeAccept(key);
        if (got !== acceptFor(key)) {
          throw new Error(
            `computeAccept("${key}") (the nonce ${Buffer.from(nonce).toString('hex')} in base64) gave "${got}", ` +
              `expected base64(SHA-1(key + "${RFC_GUID}")) = "${acceptFor(key)}" (RFC 6455 §4.2.2 item 5.4)${guidNote()}`,
          );
        }
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
