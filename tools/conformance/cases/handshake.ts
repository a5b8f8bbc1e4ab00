/**
 * Family 10.1 and 10.2, the opening handshake (chapters 02–04): the 101 answer of RFC 6455 §4.2.2
 * and the refusals of §4.2.1 and §4.2.2 step 4 (and RFC 9110/9112 for plain HTTP errors). A head that the
 * server reads with any chunking, and a frame that arrives in the same write as the head, work.
 */
import { fail, type Case, type CaseContext } from '../case.ts';
import { expectText } from '../expect.ts';
import { acceptFor, concatBytes, escaped, headerValue, newKey, text, type HttpResponseRead, type UpgradeRequestOptions } from '../../wire/index.ts';

/** Send `request` on a fresh connection and return the response head (fails on none). */
async function answer(context: CaseContext, request: string | Uint8Array): Promise<HttpResponseRead> {
  const client = await context.connect();
  client.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  client.expecting = 'an HTTP response';
  const head = await client.readHttpResponseOrClose();
  if (!head) fail('expected an HTTP response, got TCP closed with no response');
  return head;
}

/** The request must be refused with one of `statuses` (or any 4xx when `statuses` is 'any 4xx'). */
async function expectRefusal(context: CaseContext, request: string | Uint8Array, statuses: number[] | 'any 4xx', why: string): Promise<HttpResponseRead> {
  const head = await answer(context, request);
  const ok = statuses === 'any 4xx' ? head.status >= 400 && head.status < 500 : statuses.includes(head.status);
  if (!ok) {
    const wanted = statuses === 'any 4xx' ? 'a 4xx status' : statuses.join(' or ');
    fail(`expected ${wanted} (${why}), got "${escaped(head.statusLine, 60)}"`);
  }
  return head;
}

/** Open with `options`, check the 101's Sec-WebSocket-Protocol is `protocol` (or absent). */
async function expectProtocol(context: CaseContext, options: UpgradeRequestOptions, protocol: string | undefined): Promise<void> {
  const head = await answer(context, context.request(options));
  if (head.status !== 101) fail(`expected 101 Switching Protocols, got "${escaped(head.statusLine, 60)}"`);
  const got = headerValue(head, 'sec-websocket-protocol');
  if (got !== protocol) {
    fail(`expected ${protocol ? `Sec-WebSocket-Protocol: ${protocol}` : 'no Sec-WebSocket-Protocol field'} (RFC 6455 §4.2.2), got ${got === undefined ? 'none' : `"${got}"`}`);
  }
}

export const handshakeCases: Case[] = [
  {
    id: '10.1.1',
    title: '101 with Upgrade, Connection and the right Sec-WebSocket-Accept',
    chapter: 3,
    needs: [4],
    async run(context) {
      const key = newKey();
      const head = await answer(context, context.request({ key }));
      if (head.status !== 101) fail(`expected 101 Switching Protocols, got "${escaped(head.statusLine, 60)}"`);
      const accept = acceptFor(key);
      const got = headerValue(head, 'sec-websocket-accept');
      if (got !== accept) fail(`expected Sec-WebSocket-Accept: ${accept} (RFC 6455 §4.2.2), got ${got ?? 'none'}`);
      if (headerValue(head, 'upgrade')?.toLowerCase() !== 'websocket') fail('expected Upgrade: websocket in the 101 (RFC 6455 §4.2.2)');
      if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headerValue(head, 'connection') ?? '')) fail('expected Connection: Upgrade in the 101 (RFC 6455 §4.2.2)');
    },
  },
  {
    id: '10.1.2',
    title: 'field values matched case-insensitively; Connection: keep-alive, Upgrade',
    chapter: 4,
    async run(context) {
      await context.open({ headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade' } });
    },
  },
  {
    id: '10.1.3',
    title: 'field names in lower case',
    chapter: 2,
    needs: [4],
    async run(context) {
      const request = context.request().replace(/^([A-Za-z-]+):/gm, (_, name: string) => `${name.toLowerCase()}:`);
      const head = await answer(context, request);
      if (head.status !== 101) fail(`expected 101 (RFC 9110 §5.1: field names are case-insensitive), got "${escaped(head.statusLine, 60)}"`);
    },
  },
  {
    id: '10.1.4',
    title: 'subprotocol "chat" selected from "foo, chat"',
    chapter: 4,
    async run(context) {
      await expectProtocol(context, { protocols: ['foo', 'chat'] }, 'chat');
    },
  },
  {
    id: '10.1.5',
    title: 'no subprotocol offered: none in the answer',
    chapter: 4,
    async run(context) {
      await expectProtocol(context, {}, undefined);
    },
  },
  {
    id: '10.1.6',
    title: 'only unknown subprotocols offered: none in the answer',
    chapter: 4,
    async run(context) {
      await expectProtocol(context, { protocols: ['unknown-a', 'unknown-b'] }, undefined);
    },
  },
  {
    id: '10.1.7',
    title: 'request head written one byte at a time, then a message echoed',
    chapter: 2,
    needs: [5],
    timeoutMs: 5000,
    async run(context) {
      const client = await context.connect();
      await client.writeInPieces(Buffer.from(context.request(), 'latin1'), 1);
      client.expecting = 'the 101 answer to a head written byte by byte';
      const head = await client.readHttpResponseOrClose();
      if (head?.status !== 101) fail(`expected 101, got ${head ? `"${escaped(head.statusLine, 60)}"` : 'TCP closed'}`);
      client.write(text('after a slow handshake'));
      await expectText(client, 'after a slow handshake');
    },
  },
  {
    id: '10.1.8',
    title: 'a frame in the same TCP write as the request head is processed',
    chapter: 2,
    needs: [5],
    async run(context) {
      const client = await context.connect();
      client.write(concatBytes(Buffer.from(context.request(), 'latin1'), text('right behind the head')));
      client.expecting = 'the 101 answer';
      const head = await client.readHttpResponseOrClose();
      if (head?.status !== 101) fail(`expected 101, got ${head ? `"${escaped(head.statusLine, 60)}"` : 'TCP closed'}`);
      await expectText(client, 'right behind the head');
    },
  },
  {
    id: '10.1.9',
    title: 'request target with a query string',
    chapter: 2,
    needs: [4],
    async run(context) {
      await context.open({ path: `${context.target.path}?name=value&x=1` });
    },
  },
  {
    id: '10.2.1',
    title: 'missing Sec-WebSocket-Key refused with 400',
    chapter: 4,
    async run(context) {
      await expectRefusal(context, context.request({ headers: { 'Sec-WebSocket-Key': null } }), [400], 'RFC 6455 §4.2.1: the key is required');
    },
  },
  {
    id: '10.2.2',
    title: 'Sec-WebSocket-Key that is not 16 bytes in base64 refused with 400',
    chapter: 4,
    async run(context) {
      const key = Buffer.from('only ten b').toString('base64');
      await expectRefusal(context, context.request({ key }), [400], 'RFC 6455 §4.1: the key is 16 random bytes, base64-encoded');
    },
  },
  {
    id: '10.2.3',
    title: 'Sec-WebSocket-Version: 12 refused with 426 (or 4xx) and Sec-WebSocket-Version: 13',
    chapter: 4,
    async run(context) {
      const head = await expectRefusal(context, context.request({ version: '12' }), 'any 4xx', 'RFC 6455 §4.2.2: unsupported version');
      const versions = (headerValue(head, 'sec-websocket-version') ?? '').split(',').map((v) => v.trim());
      if (!versions.includes('13')) {
        fail(`expected Sec-WebSocket-Version listing 13 with the refusal (RFC 6455 §4.2.2 step 4), got ${headerValue(head, 'sec-websocket-version') ?? 'none'}`);
      }
    },
  },
  {
    id: '10.2.4',
    title: 'missing Sec-WebSocket-Version refused with a 4xx',
    chapter: 4,
    async run(context) {
      await expectRefusal(context, context.request({ headers: { 'Sec-WebSocket-Version': null } }), 'any 4xx', 'RFC 6455 §4.2.1: the version is required');
    },
  },
  {
    id: '10.2.5',
    title: 'POST upgrade request refused with 405 or 400',
    chapter: 4,
    async run(context) {
      await expectRefusal(context, context.request({ method: 'POST' }), [405, 400], 'RFC 6455 §4.2.1: the handshake is a GET');
    },
  },
  {
    id: '10.2.6',
    title: 'missing Upgrade: websocket is not switched (4xx)',
    chapter: 4,
    async run(context) {
      await expectRefusal(context, context.request({ headers: { Upgrade: null, Connection: null } }), 'any 4xx', 'RFC 6455 §4.2.1: Upgrade: websocket is required');
    },
  },
  {
    id: '10.2.7',
    title: 'HTTP/1.0 upgrade request is not switched (4xx)',
    chapter: 4,
    async run(context) {
      await expectRefusal(context, context.request({ httpVersion: 'HTTP/1.0' }), 'any 4xx', 'RFC 6455 §4.2.1: the handshake is an HTTP/1.1 or higher GET');
    },
  },
  {
    id: '10.2.8',
    title: 'missing Host refused with 400',
    chapter: 2,
    needs: [4],
    async run(context) {
      await expectRefusal(context, context.request({ host: null }), [400], 'RFC 9112 §3.2: a request without Host gets 400; RFC 6455 §4.2.1');
    },
  },
  {
    id: '10.2.9',
    title: 'request head of 32 KiB refused with 431',
    chapter: 2,
    needs: [4],
    async run(context) {
      const filler: Array<[string, string]> = Array.from({ length: 32 }, (_, i) => [`X-Filler-${i}`, 'f'.repeat(1000)]);
      await expectRefusal(context, context.request({ appendHeaders: filler }), [431], 'RFC 6585 §5: request header fields too large');
    },
  },
  {
    id: '10.2.10',
    title: 'garbage instead of a request head refused with a 4xx',
    chapter: 2,
    needs: [4],
    async run(context) {
      await expectRefusal(context, concatBytes(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0xff), Buffer.from(' \x00garbage\r\n\r\n', 'latin1')), 'any 4xx', 'RFC 9112 §2.2: an invalid request line gets 400');
    },
  },
];
