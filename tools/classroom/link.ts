/**
 * The attendee's side of classroom mode: the runner's link to the teacher's room.
 *
 * `npm start -- join URL --name N --token T` writes `.workbook/classroom.json` (git-ignored); while it
 * exists, the runner opens a {@link RoomLink} and, after every test run, sends that run's results:
 * per chapter its state, counts and failing test titles, and how long the run took. Nothing else
 * leaves the machine: no code, no file contents, no paths, no error messages.
 *
 * The link never holds up the learner: the connection is opened beside the first run, a report is a
 * send that is not awaited, and an unreachable room is said once and retried quietly in watch mode
 * (after 1 s, then twice as long each time up to 30 s, so a restarted room has everyone back within
 * seconds). A room that closed the link for a policy violation (4008: a bad token) is not retried.
 * The teacher's broadcasts arrive on the same connection and are handed to `onBroadcast`.
 */
import WebSocket from 'ws';
import type { ChapterRun } from '../runner/tests.ts';
import { classify } from '../runner/status.ts';
import { CLOSE_POLICY_VIOLATION, type Broadcast, type ChapterReport, type RoomToAttendee } from './protocol.ts';
import { writeJoined, type Joined } from './joined.ts';

export { readJoined, type Joined } from './joined.ts';

/** One chapter's run as the room sees it: counts and failing titles only. */
export function chapterReport(run: ChapterRun): ChapterReport | undefined {
  const status = classify(run);
  if (status.kind === 'no-tests') return undefined;
  const passed = run.tests.filter((test) => test.state === 'passed').length;
  const failing = run.tests.filter((test) => test.state === 'failed').map((test) => test.name);
  const state = status.kind === 'passed' ? 'passed' : status.kind === 'not-started' ? 'not-started' : 'failing';
  // A file that cannot load has no tests to name: the count says it fails.
  return { number: run.chapter.number, state, passed, total: Math.max(run.tests.length, passed + failing.length, 1), failing };
}

export interface LinkOptions {
  /** Keep the connection and reconnect when it drops (watch mode); otherwise one run's worth. */
  readonly persistent: boolean;
  readonly onBroadcast: (broadcast: Broadcast) => void;
  /** Said once: the room cannot be reached, or it refused something. */
  readonly onNotice: (text: string) => void;
  /** How long a connection attempt may take (ms). */
  readonly connectTimeoutMs?: number;
}

/** The first retry after a dropped or failed connection; each failure doubles it, up to RECONNECT_MAX_MS. */
const RECONNECT_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

export class RoomLink {
  private socket: WebSocket | null = null;
  private lastReport: { ms: number; chapters: ChapterReport[] } | null = null;
  private saidUnreachable = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private retryMs = RECONNECT_MS;
  private readonly said = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly joined: Joined,
    private readonly options: LinkOptions,
  ) {}

  /** Opens the connection (in the background). */
  start(): void {
    if (this.stopped || this.socket !== null) return;
    const address = `${this.joined.url}/attendee?token=${encodeURIComponent(this.joined.token)}`;
    let socket: WebSocket;
    try {
      socket = new WebSocket(address, { handshakeTimeout: this.options.connectTimeoutMs ?? 2000, maxPayload: 256 * 1024 });
    } catch (error) {
      this.unreachable((error as Error).message);
      return;
    }
    this.socket = socket;
    socket.on('open', () => {
      this.saidUnreachable = false;
      this.retryMs = RECONNECT_MS;
      this.sendNow({ type: 'hello', id: this.joined.id, name: this.joined.name, lastBroadcast: this.joined.lastBroadcast });
      if (this.joined.serverUrl !== null) this.sendNow({ type: 'board', url: this.joined.serverUrl });
      if (this.lastReport !== null) this.sendNow({ type: 'report', ...this.lastReport });
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: RoomToAttendee;
      try {
        message = JSON.parse(String(data)) as RoomToAttendee;
      } catch {
        return;
      }
      if (message.type === 'broadcast' && typeof message.broadcast?.text === 'string' && message.broadcast.id > this.joined.lastBroadcast) {
        this.joined.lastBroadcast = message.broadcast.id;
        try {
          writeJoined(this.root, this.joined);
        } catch {
          // Only a repeat of this message at the next start is at stake.
        }
        this.options.onBroadcast(message.broadcast);
      } else if (message.type === 'refused' && typeof message.reason === 'string') {
        this.once(`The classroom refused: ${message.reason}`);
      }
    });
    socket.on('error', (error) => {
      if (socket.readyState !== WebSocket.OPEN) this.unreachable(error.message);
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.socket = null;
      if (code === CLOSE_POLICY_VIOLATION && reason.length > 0) this.once(`The classroom closed the link: ${reason.toString()}`);
      if (this.options.persistent && !this.stopped && code !== CLOSE_POLICY_VIOLATION) this.scheduleRetry();
    });
  }

  /** Sends a run's results; never waits. With no connection, the next one sends them. */
  report(runs: Iterable<ChapterRun>, ms: number): void {
    const chapters = [...runs].map(chapterReport).filter((entry): entry is ChapterReport => entry !== undefined);
    if (chapters.length === 0) return;
    // A watch rerun covers one chapter: merged into what was sent, so a reconnect resends everything.
    const merged = new Map((this.lastReport?.chapters ?? []).map((entry) => [entry.number, entry]));
    for (const entry of chapters) merged.set(entry.number, entry);
    this.lastReport = { ms: Math.round(ms), chapters: [...merged.values()].sort((a, b) => a.number.localeCompare(b.number)) };
    if (this.socket?.readyState === WebSocket.OPEN) this.sendNow({ type: 'report', ms: Math.round(ms), chapters });
    else this.start();
  }

  /** Waits, at most `timeoutMs`, for what was sent to leave, then closes. */
  async finish(timeoutMs = 1000): Promise<void> {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    const socket = this.socket;
    if (socket === null) return;
    const deadline = Date.now() + timeoutMs;
    while (socket.readyState === WebSocket.CONNECTING && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (socket.readyState === WebSocket.OPEN) {
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close(1000);
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, Math.max(50, deadline - Date.now())))]);
    }
    socket.terminate();
  }

  private sendNow(message: object): void {
    this.socket?.send(JSON.stringify(message));
  }

  private unreachable(detail: string): void {
    if (!this.saidUnreachable) {
      this.saidUnreachable = true;
      this.once(`The classroom at ${this.joined.url} cannot be reached (${detail}); your results stay on this machine, the runner works as usual.`);
    }
  }

  private once(text: string): void {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.options.onNotice(text);
  }

  private scheduleRetry(): void {
    if (this.retry !== null) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    this.retry.unref();
  }
}
