/**
 * The room's state: who is in it, each attendee's latest results per chapter, the teacher's
 * broadcasts and the conformance board, with the views the dashboard shows (the grid, who is stuck,
 * which tests fail for many people at once).
 *
 * It is plain data, kept in one JSON file written whole and renamed after each change (debounced), so
 * a restarted room server starts where it stopped: the same tokens, attendees, results and board.
 * Times are the room's own clock (when a report arrived), never what an attendee claims.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Broadcast, ChapterReport } from './protocol.ts';

export interface ChapterState extends ChapterReport {
  /** When this chapter's result last arrived. */
  readonly at: number;
}

export interface AttendeeState {
  readonly id: string;
  name: string;
  joinedAt: number;
  lastSeen: number;
  /** Per chapter number, the latest result. */
  chapters: Record<string, ChapterState>;
  /** The failing test the attendee's current chapter starts with, and since when it has. */
  stuckOn: { chapter: string; test: string; since: number } | null;
  /** The attendee's server, for the conformance board. */
  serverUrl: string | null;
  /** How long the last run took (ms), as the runner measured it. */
  lastRunMs: number;
}

export interface BoardScore {
  readonly chapter: string;
  readonly passed: number;
  readonly failed: number;
  readonly total: number;
}

export interface BoardEntry {
  readonly attendee: string;
  readonly url: string;
  readonly at: number;
  /** Per chapter; empty with `error` when the server could not be reached. */
  readonly scores: readonly BoardScore[];
  readonly passed: number;
  readonly failed: number;
  readonly error?: string;
}

export interface StoredRoom {
  readonly format: 1;
  readonly joinToken: string;
  readonly teacherToken: string;
  attendees: Record<string, AttendeeState>;
  broadcasts: Broadcast[];
  board: Record<string, BoardEntry>;
}

/** What the dashboard and `GET /api/room` show. */
export interface RoomView {
  readonly chapters: readonly { number: string; title: string }[];
  readonly stuckAfterMs: number;
  readonly now: number;
  readonly attendees: readonly {
    id: string;
    name: string;
    online: boolean;
    current: string | null;
    lastSeen: number;
    lastRunMs: number;
    serverUrl: string | null;
    chapters: Record<string, { state: ChapterReport['state']; passed: number; total: number; failing: readonly string[] }>;
    stuck: { chapter: string; test: string; forMs: number } | null;
  }[];
  /** Tests failing for two or more attendees in the chapter they work on, most first. */
  readonly common: readonly { chapter: string; test: string; names: string[] }[];
  readonly broadcasts: readonly Broadcast[];
  readonly board: readonly BoardEntry[];
  readonly boardRunning: boolean;
}

/** Kept broadcasts: an attendee who was away gets the ones it missed. */
const MAX_BROADCASTS = 100;

const newToken = (): string => crypto.randomBytes(12).toString('base64url');

export class Room {
  private saveTimer: NodeJS.Timeout | null = null;
  boardRunning = false;

  private constructor(
    private readonly file: string | null,
    readonly state: StoredRoom,
    readonly chapters: readonly { number: string; title: string }[],
    readonly stuckAfterMs: number,
  ) {}

  /** Opens the room kept in `file` (a new one, with new tokens, when there is none). */
  static open(options: { file: string | null; chapters: readonly { number: string; title: string }[]; stuckAfterMs: number; joinToken?: string; teacherToken?: string }): Room {
    let state: StoredRoom | undefined;
    if (options.file !== null) {
      try {
        const parsed = JSON.parse(fs.readFileSync(options.file, 'utf8')) as StoredRoom;
        if (parsed.format === 1 && typeof parsed.joinToken === 'string' && typeof parsed.teacherToken === 'string') state = parsed;
      } catch {
        // No room kept yet (or an unreadable file): a new room.
      }
    }
    state ??= { format: 1, joinToken: newToken(), teacherToken: newToken(), attendees: {}, broadcasts: [], board: {} };
    const tokens = { joinToken: options.joinToken ?? state.joinToken, teacherToken: options.teacherToken ?? state.teacherToken };
    const room = new Room(options.file, { ...state, ...tokens }, options.chapters, options.stuckAfterMs);
    room.saveNow();
    return room;
  }

  get joinToken(): string {
    return this.state.joinToken;
  }

  get teacherToken(): string {
    return this.state.teacherToken;
  }

  attendee(id: string): AttendeeState | undefined {
    return Object.hasOwn(this.state.attendees, id) ? this.state.attendees[id] : undefined;
  }

  get attendeeCount(): number {
    return Object.keys(this.state.attendees).length;
  }

  /** An attendee says hello: known ones keep their results (a rejoin after a restart of either side). */
  join(id: string, name: string, now = Date.now()): AttendeeState {
    const known = this.attendee(id);
    if (known) {
      known.name = name;
      known.lastSeen = now;
      this.save();
      return known;
    }
    const attendee: AttendeeState = { id, name, joinedAt: now, lastSeen: now, chapters: {}, stuckOn: null, serverUrl: null, lastRunMs: 0 };
    this.state.attendees[id] = attendee;
    this.save();
    return attendee;
  }

  /** A run's results: each chapter's entry replaced, the stuck clock kept while the same test fails first. */
  report(id: string, chapters: readonly ChapterReport[], ms: number, now = Date.now()): void {
    const attendee = this.attendee(id);
    if (!attendee) return;
    for (const chapter of chapters) attendee.chapters[chapter.number] = { ...chapter, at: now };
    attendee.lastSeen = now;
    attendee.lastRunMs = ms;
    const current = currentChapter(attendee);
    const first = current === null ? undefined : attendee.chapters[current]?.failing[0];
    if (current === null || first === undefined) attendee.stuckOn = null;
    else if (attendee.stuckOn?.chapter !== current || attendee.stuckOn.test !== first) attendee.stuckOn = { chapter: current, test: first, since: now };
    this.save();
  }

  registerServer(id: string, url: string): void {
    const attendee = this.attendee(id);
    if (!attendee) return;
    attendee.serverUrl = url;
    this.save();
  }

  addBroadcast(text: string, chapter: string | null, now = Date.now()): Broadcast {
    const last = this.state.broadcasts.at(-1)?.id ?? 0;
    const broadcast: Broadcast = { id: last + 1, at: now, text, chapter };
    this.state.broadcasts = [...this.state.broadcasts, broadcast].slice(-MAX_BROADCASTS);
    this.save();
    return broadcast;
  }

  /** Whether a broadcast is meant for this attendee: everyone's, or its current chapter's. */
  isFor(broadcast: Broadcast, attendee: AttendeeState): boolean {
    return broadcast.chapter === null || broadcast.chapter === currentChapter(attendee);
  }

  /** The broadcasts after `lastSeen` meant for the attendee. */
  missed(attendee: AttendeeState, lastSeen: number): Broadcast[] {
    return this.state.broadcasts.filter((broadcast) => broadcast.id > lastSeen && this.isFor(broadcast, attendee));
  }

  setBoard(entry: BoardEntry, id: string): void {
    this.state.board[id] = entry;
    this.save();
  }

  view(online: ReadonlySet<string>, now = Date.now()): RoomView {
    const attendees = Object.values(this.state.attendees)
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map((attendee) => {
        const stuckFor = attendee.stuckOn ? now - attendee.stuckOn.since : 0;
        const chapters: RoomView['attendees'][number]['chapters'] = {};
        for (const [number, entry] of Object.entries(attendee.chapters)) {
          chapters[number] = { state: entry.state, passed: entry.passed, total: entry.total, failing: entry.failing };
        }
        return {
          id: attendee.id,
          name: attendee.name,
          online: online.has(attendee.id),
          current: currentChapter(attendee),
          lastSeen: attendee.lastSeen,
          lastRunMs: attendee.lastRunMs,
          serverUrl: attendee.serverUrl,
          chapters,
          stuck: attendee.stuckOn && stuckFor >= this.stuckAfterMs ? { chapter: attendee.stuckOn.chapter, test: attendee.stuckOn.test, forMs: stuckFor } : null,
        };
      });
    const failingBy = new Map<string, { chapter: string; test: string; names: string[] }>();
    for (const attendee of attendees) {
      if (attendee.current === null) continue;
      const entry = attendee.chapters[attendee.current];
      if (!entry) continue;
      for (const test of entry.failing) {
        const key = `${attendee.current}\u0000${test}`;
        const found = failingBy.get(key) ?? { chapter: attendee.current, test, names: [] };
        found.names.push(attendee.name);
        failingBy.set(key, found);
      }
    }
    const common = [...failingBy.values()].filter((entry) => entry.names.length >= 2).sort((a, b) => b.names.length - a.names.length || a.chapter.localeCompare(b.chapter));
    const board = Object.values(this.state.board).sort((a, b) => b.passed - a.passed || a.attendee.localeCompare(b.attendee));
    return { chapters: this.chapters, stuckAfterMs: this.stuckAfterMs, now, attendees, common, broadcasts: this.state.broadcasts.slice(-20), board, boardRunning: this.boardRunning };
  }

  /** Writes the state soon (changes arriving together are written once). */
  save(): void {
    if (this.file === null || this.saveTimer !== null) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 200);
    this.saveTimer.unref();
  }

  /** Writes the state now: whole, then renamed, so a stop mid-write keeps the previous file. */
  saveNow(): void {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.file === null) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(this.state), { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}

/** The chapter an attendee works on: the first one reported that does not pass. */
export function currentChapter(attendee: Pick<AttendeeState, 'chapters'>): string | null {
  const numbers = Object.keys(attendee.chapters).sort();
  return numbers.find((number) => attendee.chapters[number]!.state !== 'passed') ?? null;
}
