/**
 * The client's side of the compressed scenarios (RFC 7692): the offer every handshake sends, the
 * JSON text they echo, its frame compressed once before the measurement, and the inflation of an
 * echo to check it.
 *
 * Why the offer says `client_no_context_takeover` (§7.1.1.2): a client that promises not to keep
 * its compression context between messages may compress a message once, up front, and send the
 * same frame again and again, each a valid compressed message on its own. So sending still costs
 * the load generator a `write` and nothing else, and the figures are the server's. The promise
 * holds whether the server echoes the parameter or not (the client may always reset its own
 * context), so any answer with permessage-deflate in it is fine. The server compresses its replies
 * with its own settings (deflate-settings.ts: context takeover, 15-bit window); the load generator
 * counts those replies from their headers (RSV1 set on each), and inflates one, before measuring,
 * to check it is the text sent.
 */
import { Opcode } from '../../core/frame.ts';
import { DeflateSession, parseDeflateAnswer, type DeflateAnswer } from '../wire/deflate.ts';
import { clientFrame } from '../wire/frame-encoder.ts';
import type { ExtensionOffer } from './connect.ts';
import type { Message } from './payloads.ts';

/** Every compressed scenario's offer, and the check that the server took it. */
export const DEFLATE_OFFER: ExtensionOffer = {
  extensions: 'permessage-deflate; client_no_context_takeover',
  check: (answer) => {
    const parsed = parseDeflateAnswer(answer === undefined ? undefined : [answer]);
    if (parsed === null) return 'the server declined permessage-deflate: is it running with the extension on?';
    return typeof parsed === 'string' ? parsed : null;
  },
};

/**
 * The client's own side as offered: a fresh compressor for every message. (DeflateSession reads
 * only the client's parameters when it compresses, and none when it inflates.)
 */
const CLIENT_SIDE: DeflateAnswer = { serverNoContextTakeover: false, clientNoContextTakeover: true, serverMaxWindowBits: null, clientMaxWindowBits: null };

/** One event of a plausible JSON feed: an order's update, with the field names repeated per event. */
function event(index: number): object {
  return {
    type: 'order.updated',
    id: `ord_${String(100_000 + index * 7919).padStart(8, '0')}`,
    account: `acct-${(index * 37) % 500}`,
    symbol: ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD'][index % 4],
    side: index % 2 === 0 ? 'buy' : 'sell',
    price: Number((1.08 + ((index * 13) % 97) / 10_000).toFixed(5)),
    quantity: 1000 * (1 + (index % 25)),
    status: index % 3 === 0 ? 'filled' : 'partially_filled',
    updatedAt: new Date(Date.UTC(2026, 11, 2, 14, 0, 0, index * 37)).toISOString(),
  };
}

/**
 * JSON text of about `size` bytes (at least 2): an array of events from the `from`th on, as many as
 * fit, the first always. The same bytes every run.
 */
export function jsonText(size: number, from = 0): Uint8Array {
  const events: object[] = [event(from)];
  while (JSON.stringify([...events, event(from + events.length)]).length <= size) events.push(event(from + events.length));
  return new TextEncoder().encode(JSON.stringify(events));
}

/** How many different JSON messages a traffic scenario cycles through. */
const JSON_MESSAGES = 16;

/**
 * The JSON messages of a traffic scenario: different events of the same feed, so that a server
 * keeping its context finds the field names again but never the whole message (one text echoed
 * over and over would compress to a back-reference of a few bytes, a case no real feed is).
 */
export function jsonMessages(size: number): Message[] {
  return Array.from({ length: JSON_MESSAGES }, (_, i) => plainMessage(jsonText(size, i * 101)));
}

/** The message uncompressed: a masked text frame. */
export function plainMessage(payload: Uint8Array): Message {
  return { opcode: Opcode.Text, payload, frame: clientFrame({ opcode: Opcode.Text, payload }) };
}

/**
 * The same message as one compressed frame (RFC 7692 §7.2.1): RSV1 set, the payload compressed on
 * its own, masked once. `payload` stays the uncompressed text, which the echo must inflate to.
 */
export async function compressedMessage(message: Message): Promise<Message> {
  const session = new DeflateSession(CLIENT_SIDE);
  try {
    const compressed = await session.compress(message.payload);
    return { ...message, frame: clientFrame({ opcode: message.opcode, rsv1: true, payload: compressed }) };
  } finally {
    session.close();
  }
}

/** A compressed reply's data (one frame: the reference and ws do not fragment an echo this size). */
export async function inflateReply(payload: Uint8Array): Promise<Uint8Array> {
  const session = new DeflateSession(CLIENT_SIDE);
  try {
    return await session.decompress(payload);
  } finally {
    session.close();
  }
}
