/**
 * The room server of classroom mode (`npm start -- classroom`), built on the workbook's own reference
 * WebSocket server (server/app, running solutions/): the dashboard's live updates and every
 * attendee's reports travel over the implementation the room is writing.
 *
 * One port serves:
 * - `GET /` the dashboard page (with `/dashboard.js` and `/dashboard.css`), which holds no data;
 * - `GET /api/room` the room as JSON, with the teacher token (`Authorization: Bearer` or `?token=`);
 * - a WebSocket on `/attendee?token=JOIN` for runners, and on `/dashboard?token=TEACHER` for the page.
 *
 * Defences, each with a limit in {@link RoomLimits}: a bad token is closed with 4008 and a reason; a
 * message over the size limit is closed by the server itself with 1009 (chapter 09); a connection
 * sending faster than the rate limit is closed with 4008; a message that breaks the protocol is
 * answered `refused` and changes nothing. The room holds at most `maxAttendees` attendees, so its
 * memory is bounded whatever attendees send.
 */
import crypto from 'node:crypto';
import type { HttpResponse } from '@impl/04-upgrade/handshake.ts';
import type { HttpRequest, WebSocketServer, WebSocketServerOptions } from '../../server/app/websocket-server.ts';
import type { WebSocket } from '../../server/app/websocket.ts';
import { importWithTree } from '../tree.ts';
import { scoreServer } from './board.ts';
import { DASHBOARD_CSP, DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard.ts';
import { CLOSE_POLICY_VIOLATION, CLOSE_TRY_AGAIN_LATER, DEFAULT_LIMITS, Refusal, parseAttendeeMessage, parseTeacherMessage, type RoomLimits, type RoomToAttendee } from './protocol.ts';
import { Room } from './room.ts';

export interface RoomOptions {
  readonly port: number;
  readonly host: string;
  /** Where the room is kept across restarts; null keeps it in memory only. */
  readonly stateFile: string | null;
  /** The teacher's tree's chapters: the grid's columns. */
  readonly chapters: readonly { number: string; title: string }[];
  /** How long the same failing test counts as being stuck (ms). */
  readonly stuckAfterMs: number;
  readonly limits?: Partial<RoomLimits>;
  /** Fixed tokens (default: kept in the state file, made once). */
  readonly joinToken?: string;
  readonly teacherToken?: string;
}

export interface RunningRoom {
  readonly port: number;
  readonly host: string;
  readonly joinToken: string;
  readonly teacherToken: string;
  close(): Promise<void>;
}

/** How often the dashboard is refreshed for stuck clocks passing their limit. */
const TICK_MS = 1000;

interface ServerModule {
  createWebSocketServer(options: WebSocketServerOptions): Promise<WebSocketServer>;
}

/** Compares two tokens in constant time. */
function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function bearer(request: HttpRequest, query: URLSearchParams): string | null {
  const header = request.head.headers.get('authorization')?.[0];
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : query.get('token');
}

export async function startRoom(options: RoomOptions): Promise<RunningRoom> {
  const limits: RoomLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const room = Room.open({ file: options.stateFile, chapters: options.chapters, stuckAfterMs: options.stuckAfterMs, joinToken: options.joinToken, teacherToken: options.teacherToken });
  const attendees = new Map<WebSocket, string>();
  const dashboards = new Set<WebSocket>();
  const online = (): Set<string> => new Set(attendees.values());

  const viewJson = (): string => JSON.stringify({ type: 'room', room: room.view(online()) });
  let pushTimer: NodeJS.Timeout | null = null;
  const pushSoon = (): void => {
    if (pushTimer !== null || dashboards.size === 0) return;
    pushTimer = setTimeout(() => {
      pushTimer = null;
      const text = viewJson();
      for (const dashboard of dashboards) dashboard.send(text);
    }, 30);
  };
  // The stuck markers change with time alone: redraw when the set of stuck attendees changes.
  let stuckSignature = '';
  const ticker = setInterval(() => {
    const signature = room.view(online()).attendees.filter((attendee) => attendee.stuck).map((attendee) => attendee.id).join(',');
    if (signature !== stuckSignature) {
      stuckSignature = signature;
      pushSoon();
    }
  }, TICK_MS);
  ticker.unref();

  const answer = (request: HttpRequest): HttpResponse => {
    const url = new URL(request.head.target, 'http://room.invalid');
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, body: 'only GET\n' };
    const page = (type: string, body: string): HttpResponse => ({
      status: 200,
      headers: { 'Content-Type': `${type}; charset=utf-8`, 'Content-Security-Policy': DASHBOARD_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
      body,
    });
    switch (url.pathname) {
      case '/':
        return page('text/html', DASHBOARD_HTML);
      case '/dashboard.js':
        return page('text/javascript', DASHBOARD_JS);
      case '/dashboard.css':
        return page('text/css', DASHBOARD_CSS);
      case '/api/room':
        if (!sameToken(bearer(request, url.searchParams), room.teacherToken)) {
          return { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="classroom"', 'Content-Type': 'text/plain; charset=utf-8' }, body: 'the teacher token is required (Authorization: Bearer TOKEN or ?token=TOKEN)\n' };
        }
        return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: `${JSON.stringify(room.view(online()))}\n` };
      default:
        return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'not found\n' };
    }
  };

  const { createWebSocketServer } = await importWithTree<ServerModule>('solutions', 'server/app/websocket-server.ts');
  const server = await createWebSocketServer({ port: options.port, host: options.host, handleRequest: answer, maxMessageLength: limits.maxMessageBytes });

  const refuse = (socket: WebSocket, reason: string, code?: number): void => {
    socket.send(JSON.stringify({ type: 'refused', reason } satisfies RoomToAttendee));
    // A close reason is at most 123 bytes (RFC 6455 §5.5: a control frame's payload is at most 125).
    if (code !== undefined) socket.close(code, Buffer.from(reason).subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, ''));
  };

  /** Counts a connection's messages; false (and closed with 4008) past the rate limit. */
  const rateLimiter = (socket: WebSocket): (() => boolean) => {
    let windowStart = Date.now();
    let count = 0;
    return () => {
      const now = Date.now();
      if (now - windowStart >= limits.rateWindowMs) {
        windowStart = now;
        count = 0;
      }
      count++;
      if (count <= limits.maxMessagesPerWindow) return true;
      if (count === limits.maxMessagesPerWindow + 1) refuse(socket, `too many messages: at most ${limits.maxMessagesPerWindow} per ${limits.rateWindowMs / 1000} s`, CLOSE_POLICY_VIOLATION);
      return false;
    };
  };

  const runBoard = async (): Promise<void> => {
    if (room.boardRunning) return;
    room.boardRunning = true;
    pushSoon();
    try {
      for (const attendee of Object.values(room.state.attendees)) {
        if (attendee.serverUrl === null) continue;
        room.setBoard(await scoreServer(attendee.name, attendee.serverUrl), attendee.id);
        pushSoon();
      }
    } finally {
      room.boardRunning = false;
      pushSoon();
    }
  };

  const onAttendee = (socket: WebSocket): void => {
    const allowed = rateLimiter(socket);
    let id: string | null = null;
    socket.on('message', (data, isBinary) => {
      if (!allowed()) return;
      try {
        if (isBinary) throw new Refusal('messages are JSON text');
        const message = parseAttendeeMessage(data as string, limits);
        if (message.type === 'hello') {
          // One row per connection: switching ids would let one attendee fill the grid with rows.
          if (id !== null && message.id !== id) throw new Refusal('one hello per connection: reconnect to change who you are');
          if (!room.attendee(message.id) && room.attendeeCount >= limits.maxAttendees) {
            refuse(socket, `the room is full (${limits.maxAttendees} attendees)`, CLOSE_TRY_AGAIN_LATER);
            return;
          }
          const attendee = room.join(message.id, message.name);
          id = attendee.id;
          attendees.set(socket, id);
          socket.send(JSON.stringify({ type: 'welcome', name: attendee.name } satisfies RoomToAttendee));
          for (const broadcast of room.missed(attendee, message.lastBroadcast)) socket.send(JSON.stringify({ type: 'broadcast', broadcast } satisfies RoomToAttendee));
        } else if (id === null) {
          throw new Refusal('say hello first');
        } else if (message.type === 'report') {
          room.report(id, message.chapters, message.ms);
        } else {
          room.registerServer(id, message.url);
        }
        pushSoon();
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        refuse(socket, error.message);
      }
    });
    socket.on('close', () => {
      attendees.delete(socket);
      pushSoon();
    });
  };

  const onDashboard = (socket: WebSocket): void => {
    const allowed = rateLimiter(socket);
    dashboards.add(socket);
    socket.send(viewJson());
    socket.on('message', (data, isBinary) => {
      if (!allowed()) return;
      try {
        if (isBinary) throw new Refusal('messages are JSON text');
        const message = parseTeacherMessage(data as string, limits);
        if (message.type === 'run-board') {
          void runBoard();
          return;
        }
        const broadcast = room.addBroadcast(message.text, message.chapter);
        const text = JSON.stringify({ type: 'broadcast', broadcast } satisfies RoomToAttendee);
        for (const [attendeeSocket, attendeeId] of attendees) {
          const attendee = room.attendee(attendeeId);
          if (attendee && room.isFor(broadcast, attendee)) attendeeSocket.send(text);
        }
        pushSoon();
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        refuse(socket, error.message);
      }
    });
    socket.on('close', () => dashboards.delete(socket));
  };

  server.on('connection', (socket) => {
    const url = new URL(socket.url, 'http://room.invalid');
    const token = url.searchParams.get('token');
    if (url.pathname === '/attendee') {
      if (!sameToken(token, room.joinToken)) return refuse(socket, 'bad join token: ask the teacher for the join line', CLOSE_POLICY_VIOLATION);
      // Connections that are not attendees yet count too: a flood of sockets cannot outgrow the room.
      if (server.clients.size > limits.maxAttendees * 2) return refuse(socket, 'the room is full', CLOSE_TRY_AGAIN_LATER);
      return onAttendee(socket);
    }
    if (url.pathname === '/dashboard') {
      if (!sameToken(token, room.teacherToken)) return refuse(socket, 'bad teacher token', CLOSE_POLICY_VIOLATION);
      return onDashboard(socket);
    }
    refuse(socket, 'unknown endpoint: /attendee or /dashboard', CLOSE_POLICY_VIOLATION);
  });

  return {
    port: server.port,
    host: server.host,
    joinToken: room.joinToken,
    teacherToken: room.teacherToken,
    async close() {
      clearInterval(ticker);
      if (pushTimer !== null) clearTimeout(pushTimer);
      room.saveNow();
      await server.close({ code: 1001, timeout: 500 });
    },
  };
}
