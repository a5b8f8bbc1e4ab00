/**
 * Chapter 15: the room across processes — the envelope, exactly-once delivery per process, order per
 * publisher, jittered reconnect delays and presence counted from per-process keys.
 */
import { describe, expect, it } from 'vitest';
import { Inbox, decodeEnvelope, encodeEnvelope, presenceKey, presenceTotal, reconnectDelay } from '@impl/15-scale-out/room-bus.ts';

describe('the envelope', () => {
  it('round-trips origin, sequence number and text (including non-ASCII text)', () => {
    const envelope = { origin: 'host:42:ab', seq: 7, text: 'héllo "quoted" 💬' };
    const raw = encodeEnvelope(envelope);
    expect(typeof raw, 'encodeEnvelope returns the string to publish').toBe('string');
    expect(decodeEnvelope(raw), `decodeEnvelope(${JSON.stringify(raw)})`).toEqual(envelope);
  });
  it.each(['', 'not json', 'null', '[]', '{"o":"a","s":1}', '{"o":"a","s":0,"t":"x"}', '{"o":"a","s":1.5,"t":"x"}', '{"o":"","s":1,"t":"x"}', '{"o":"a","s":"1","t":"x"}'])(
    'answers undefined, never throws, for %j (anything can be published on a channel)',
    (raw) => {
      expect(decodeEnvelope(raw), `decodeEnvelope(${JSON.stringify(raw)})`).toBeUndefined();
    },
  );
});

describe('Inbox: each message reaches local clients once, in the publisher’s order', () => {
  it('drops the echo of its own publish: local clients already had it', () => {
    const inbox = new Inbox('me');
    expect(inbox.accept({ origin: 'me', seq: 1, text: 'x' }), 'own publish echoed back by the engine').toBe('own');
  });
  it('delivers another process’s messages once each, drops repeats and older ones, delivers after a gap', () => {
    const inbox = new Inbox('me');
    const seen = [1, 2, 2, 1, 3, 5, 4, 6].map((seq) => inbox.accept({ origin: 'other', seq, text: String(seq) }));
    expect(seen, 'verdicts for sequence numbers 1 2 2 1 3 5 4 6 from one publisher').toEqual(['deliver', 'deliver', 'duplicate', 'duplicate', 'deliver', 'deliver', 'duplicate', 'deliver']);
  });
  it('keeps publishers apart, and forget() lets a restarted origin start again at 1', () => {
    const inbox = new Inbox('me');
    expect(inbox.accept({ origin: 'a', seq: 3, text: '' })).toBe('deliver');
    expect(inbox.accept({ origin: 'b', seq: 1, text: '' }), 'seq 1 from b after seq 3 from a').toBe('deliver');
    inbox.forget('a');
    expect(inbox.accept({ origin: 'a', seq: 1, text: '' }), 'seq 1 from a after forget(a)').toBe('deliver');
  });
});

describe('reconnectDelay: exponential, capped, full jitter', () => {
  it('spans 0 up to min(maxMs, baseMs * 2^attempt)', () => {
    const options = { baseMs: 100, maxMs: 1000 };
    expect(reconnectDelay(0, options, () => 0)).toBe(0);
    expect(reconnectDelay(0, options, () => 0.999999)).toBe(99);
    expect(reconnectDelay(2, options, () => 0.5), 'attempt 2, random 0.5: half of 400').toBe(200);
    expect(reconnectDelay(30, options, () => 0.999999), 'a late attempt stays under maxMs').toBe(999);
  });
  it('differs between processes that lost the engine at the same moment', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(5)));
    expect(delays.size, 'distinct delays among 50 draws for attempt 5').toBeGreaterThan(10);
  });
});

describe('presence', () => {
  it('keys one count per process under the room', () => {
    expect(presenceKey('chat', 'p1')).not.toBe(presenceKey('chat', 'p2'));
    expect(presenceKey('chat', 'p1')).not.toBe(presenceKey('other', 'p1'));
  });
  it('sums live keys; an expired key (null) or a broken value counts 0', () => {
    expect(presenceTotal(['3', null, '4', 'x', '-1', '0'])).toBe(7);
    expect(presenceTotal([])).toBe(0);
  });
});
