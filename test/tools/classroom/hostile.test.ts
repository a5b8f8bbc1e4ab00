/**
 * A hostile attendee against the room server: a bad token, oversized messages, a flood, messages
 * that break the protocol, and HTML or script in names and test titles. Each attempt must get a clear
 * refusal (a close code with a reason, or a `refused` message) and change nothing for two well-behaved
 * attendees connected beside it: their rows stay, their connections stay open, the room answers.
 *
 * The peers are the `ws` package's client, speaking the room's protocol as a runner does; the page
 * is the teacher's dashboard in Chromium. The room runs with small limits so each one is reached fast.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRoom, type RunningRoom } from '../../../tools/classroom/room-server.ts';
import { CLOSE_POLICY_VIOLATION, type RoomToAttendee } from '../../../tools/classroom/protocol.ts';
import { fetchRoom, launchBrowser, openDashboard, readGrid, tempDir, until } from './helpers.ts';

const LIMITS = { maxMessageBytes: 4096, maxMessagesPerWindow: 20, rateWindowMs: 10_000 };
const CHAPTERS = [
  { number: '01', title: 'TCP listener' },
  { number: '02', title: 'HTTP request head' },
];
/** Markup that would run or draw something if the page parsed it. */
const HOSTILE_NAME = '<img src=x onerror="window.pwned=1">';
const HOSTILE_TITLE = '<script>window.pwned=2</script><b id="bold">x</b>';

/** One peer of the room: what it received and how it was closed. */
interface Peer {
  readonly socket: WebSocket;
  readonly received: RoomToAttendee[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

let room: RunningRoom;
let browser: Browser;
let page: Page;
let stateDir: string;
const peers: Peer[] = [];
let goodOnes: Peer[] = [];

function connect(pathname: string, token: string): Promise<Peer> {
  const socket = new WebSocket(`ws://127.0.0.1:${room.port}${pathname}?token=${encodeURIComponent(token)}`);
  const received: RoomToAttendee[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as RoomToAttendee));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const peer = { socket, received, closed };
  peers.push(peer);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(peer));
    socket.once('error', reject);
  });
}

/** An attendee connected and greeted, with one report of chapter 01 failing `failing`. */
async function attendee(id: string, name: string, failing: string): Promise<Peer> {
  const peer = await connect('/attendee', room.joinToken);
  peer.socket.send(JSON.stringify({ type: 'hello', id, name, lastBroadcast: 0 }));
  await until(`the welcome of ${name}`, () => (peer.received.some((message) => message.type === 'welcome') ? true : undefined), 5000);
  peer.socket.send(JSON.stringify({ type: 'report', ms: 900, chapters: [{ number: '01', state: 'failing', passed: 1, total: 3, failing: [failing, 'listen › on port 0'] }] }));
  return peer;
}

const refusals = (peer: Peer): string[] => peer.received.flatMap((message) => (message.type === 'refused' ? [message.reason] : []));

/** The well-behaved attendees' rows as the teacher sees them. */
async function goodRows(): Promise<unknown> {
  const view = (await fetchRoom(room, room.teacherToken)).view!;
  return view.attendees.filter((entry) => entry.name === 'Ada' || entry.name === 'Brendan').map(({ name, online, chapters }) => ({ name, online, chapters }));
}

let before: unknown;

beforeAll(async () => {
  stateDir = tempDir('hostile');
  room = await startRoom({ port: 0, host: '127.0.0.1', stateFile: path.join(stateDir, 'room.json'), chapters: CHAPTERS, stuckAfterMs: 300, limits: LIMITS });
  goodOnes = [await attendee('good-attendee-1', 'Ada', 'listen › accepts'), await attendee('good-attendee-2', 'Brendan', 'listen › accepts')];
  before = await until('both reports in', async () => {
    const rows = (await goodRows()) as { chapters: object }[];
    return rows.length === 2 && rows.every((row) => '01' in row.chapters) ? rows : undefined;
  });
  browser = await launchBrowser();
  page = await openDashboard(browser, room);
}, 30_000);

afterAll(async () => {
  for (const peer of peers) peer.socket.terminate();
  await browser?.close();
  await room?.close();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 20_000);

/** After every attempt: the others are as they were, still connected, and the room answers. */
async function othersUnchanged(): Promise<void> {
  expect(await goodRows()).toEqual(before);
  for (const peer of goodOnes) expect(peer.socket.readyState, 'a well-behaved attendee stays connected').toBe(WebSocket.OPEN);
  expect(refusals(goodOnes[0]!)).toEqual([]);
}

describe('a bad token', () => {
  it('is closed with 4008 (policy violation) and a reason, as attendee and as teacher', async () => {
    for (const [pathname, token, reason] of [
      ['/attendee', 'not-the-token', 'bad join token'],
      ['/attendee', '', 'bad join token'],
      ['/dashboard', room.joinToken, 'bad teacher token'],
      ['/elsewhere', room.joinToken, 'unknown endpoint'],
    ] as const) {
      const peer = await connect(pathname, token);
      const closed = await peer.closed;
      expect(closed.code, `${pathname} with ${token || 'no token'}`).toBe(CLOSE_POLICY_VIOLATION);
      expect(closed.reason).toContain(reason);
      expect(refusals(peer).join()).toContain(reason);
    }
    const api = await fetchRoom(room, room.joinToken);
    expect(api.status).toBe(401);
    await othersUnchanged();
  }, 30_000);
});

describe('an oversized message', () => {
  it('is closed with 1009 by the server itself, just over the limit or far over it', async () => {
    for (const [i, size] of [LIMITS.maxMessageBytes, 1024 * 1024].entries()) {
      const peer = await attendee(`hostile-big-${i + 1}`, `Big ${i + 1}`, 'x');
      peer.socket.send(JSON.stringify({ type: 'report', ms: 1, chapters: [], padding: 'x'.repeat(size) }));
      const closed = await peer.closed;
      expect(closed.code).toBe(1009);
      expect(closed.reason, 'the reason names the limit').toContain(String(LIMITS.maxMessageBytes));
    }
    await othersUnchanged();
  }, 30_000);
});

describe('a flood', () => {
  it('is refused past the rate limit and closed with 4008', async () => {
    const peer = await attendee('hostile-flood-1', 'Flood', 'x');
    for (let i = 0; i < 50; i++) peer.socket.send(JSON.stringify({ type: 'board', url: `ws://127.0.0.1:${9000 + i}` }));
    const closed = await peer.closed;
    expect(closed.code).toBe(CLOSE_POLICY_VIOLATION);
    expect(closed.reason).toContain('too many messages');
    expect(refusals(peer)).toEqual([`too many messages: at most ${LIMITS.maxMessagesPerWindow} per 10 s`]);
    const view = (await fetchRoom(room, room.teacherToken)).view!;
    // What it sent within the limit counted; nothing after it did.
    expect(view.attendees.find((entry) => entry.name === 'Flood')!.serverUrl).toBe(`ws://127.0.0.1:${9000 + LIMITS.maxMessagesPerWindow - 3}/echo`);
    await othersUnchanged();
  }, 30_000);
});

describe('messages that break the protocol', () => {
  it('are each refused with the reason, and change nothing', async () => {
    const peer = await connect('/attendee', room.joinToken);
    const attempts: [string | Buffer, string][] = [
      [JSON.stringify({ type: 'report', ms: 1, chapters: [] }), 'say hello first'],
      ['{not json', 'the message is not JSON'],
      [Buffer.from([1, 2, 3]), 'messages are JSON text'],
      [JSON.stringify({ type: 'hello', id: 'short', name: 'X' }), 'hello needs an id'],
      [JSON.stringify({ type: 'hello', id: 'hostile-name-1', name: 'N'.repeat(41) }), 'the name is longer than 40 characters'],
      [JSON.stringify({ type: 'hello', id: 'hostile-name-1', name: '\u202e\u200b\u0007' }), 'the name is empty'],
    ];
    for (const [message, reason] of attempts) {
      const count = refusals(peer).length;
      peer.socket.send(message);
      const got = await until(`a refusal of ${String(message)}`, () => refusals(peer)[count]);
      expect(got).toContain(reason);
    }
    peer.socket.send(JSON.stringify({ type: 'hello', id: 'hostile-proto-1', name: 'Proto' }));
    await until('a welcome', () => (peer.received.some((message) => message.type === 'welcome') ? true : undefined));
    const later: [string, string][] = [
      [JSON.stringify({ type: 'hello', id: 'hostile-proto-2', name: 'Other row' }), 'one hello per connection'],
      [JSON.stringify({ type: 'report', ms: 1, chapters: [{ number: '01', state: 'passed', passed: 4, total: 3, failing: [] }] }), 'passed is more than total'],
      [JSON.stringify({ type: 'report', ms: 1, chapters: [{ number: '1; drop', state: 'passed', passed: 1, total: 1, failing: [] }] }), 'two digits'],
      [JSON.stringify({ type: 'board', url: 'http://127.0.0.1:1/' }), 'ws://'],
    ];
    for (const [message, reason] of later) {
      const count = refusals(peer).length;
      peer.socket.send(message);
      expect(await until(`a refusal of ${message}`, () => refusals(peer)[count])).toContain(reason);
    }
    expect(peer.socket.readyState, 'a refused message does not end the connection').toBe(WebSocket.OPEN);
    const names = (await fetchRoom(room, room.teacherToken)).view!.attendees.map((entry) => entry.name);
    expect(names).toContain('Proto');
    expect(names).not.toContain('Other row');
    await othersUnchanged();
  }, 30_000);
});

describe('HTML and script in names and test titles', () => {
  it('show as text in the dashboard: no element, no script runs', async () => {
    // Two of them, so the title also shows in the common-failure view; stuck after 300 ms.
    await attendee('hostile-html-1', HOSTILE_NAME, HOSTILE_TITLE);
    await attendee('hostile-html-2', `${HOSTILE_NAME}2`, HOSTILE_TITLE);
    const grid = await until('the hostile rows', async () => {
      const shown = await readGrid(page);
      return HOSTILE_NAME in shown && `${HOSTILE_NAME}2` in shown ? shown : undefined;
    });
    expect(grid[HOSTILE_NAME]).toEqual({ '01': '✗ 2/3', '02': '' });
    await until('the stuck list to show them', async () => ((await page.$$eval('#stuck code', (codes) => codes.filter((code) => code.textContent?.startsWith('<script>')).length)) === 2 ? true : undefined));
    const injected = await page.evaluate(() => ({
      elements: document.querySelectorAll('body img, body b, body script:not([src="/dashboard.js"])').length,
      pwned: (window as unknown as { pwned?: number }).pwned ?? null,
      stuck: Array.from(document.querySelectorAll('#stuck code'), (code) => code.textContent),
      common: Array.from(document.querySelectorAll('#common code'), (code) => code.textContent),
      cellTitle: document.querySelector('#grid tbody tr:last-child td[data-chapter="01"]')?.getAttribute('title'),
    }));
    expect(injected.elements, 'no element made from what attendees sent').toBe(0);
    expect(injected.pwned, 'no script from what attendees sent ran').toBeNull();
    expect(injected.stuck).toContain(HOSTILE_TITLE);
    expect(injected.common).toContain(HOSTILE_TITLE);
    expect(injected.cellTitle).toBe(`${HOSTILE_TITLE}\nlisten › on port 0`);
    await othersUnchanged();
  }, 30_000);
});

describe('after all of it', () => {
  it('the room answers, and a broadcast still reaches the well-behaved attendees', async () => {
    const teacher = await connect('/dashboard', room.teacherToken);
    teacher.socket.send(JSON.stringify({ type: 'broadcast', text: 'Still here', chapter: null }));
    for (const peer of goodOnes) {
      await until('the broadcast', () => (peer.received.some((message) => message.type === 'broadcast' && message.broadcast.text === 'Still here') ? true : undefined));
    }
    const page = await fetch(`http://127.0.0.1:${room.port}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    await page.body?.cancel();
    await othersUnchanged();
  }, 30_000);
});
