/**
 * Family 10.3, abuse (chapters 01 and 05): an unmasked client frame is a protocol error (RFC 6455
 * §5.1), and whatever one connection does — a protocol error, vanishing mid-frame, never speaking —
 * every other connection keeps working.
 */
import type { Case } from '../case.ts';
import { expectFailure, expectText } from '../expect.ts';
import { concatBytes, text } from '../../wire/index.ts';

export const abuseCases: Case[] = [
  {
    id: '10.3.1',
    title: 'unmasked client frame fails with 1002',
    chapter: 5,
    async run(context) {
      const client = await context.open();
      client.write(text('not masked', { mask: false }));
      await expectFailure(client, 1002, 'RFC 6455 §5.1: a server MUST fail the connection on an unmasked client frame');
    },
  },
  {
    id: '10.3.2',
    title: 'another connection stays healthy while one is failed',
    chapter: 1,
    needs: [5],
    async run(context) {
      const healthy = await context.open();
      const broken = await context.open();
      broken.write(text('not masked', { mask: false }));
      await expectFailure(broken, 1002, 'RFC 6455 §5.1: unmasked client frame');
      healthy.write(text('still fine'));
      await expectText(healthy, 'still fine');
    },
  },
  {
    id: '10.3.3',
    title: 'client vanishing in the middle of a frame does not disturb the server',
    chapter: 1,
    needs: [5],
    async run(context) {
      const healthy = await context.open();
      const vanishing = await context.open();
      vanishing.write(text('cut short').subarray(0, 6));
      vanishing.destroy();
      const silent = await context.connect();
      silent.destroy();
      healthy.write(text('still fine'));
      await expectText(healthy, 'still fine');
      const fresh = await context.open();
      fresh.write(text('new connection'));
      await expectText(fresh, 'new connection');
    },
  },
  {
    id: '10.3.4',
    title: 'ten connections at once, each gets its own echo',
    chapter: 1,
    needs: [5],
    async run(context) {
      const clients = await Promise.all(Array.from({ length: 10 }, () => context.open()));
      clients.forEach((client, i) => client.write(concatBytes(text(`client ${i}`))));
      await Promise.all(clients.map((client, i) => expectText(client, `client ${i}`)));
    },
  },
];
