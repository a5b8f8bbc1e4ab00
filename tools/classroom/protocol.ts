/**
 * What travels between an attendee's runner, the room server and the teacher's dashboard: JSON text
 * messages over WebSocket, each checked here before the room believes a word of it.
 *
 * An attendee sends `hello` once per connection, then a `report` after every test run (per chapter:
 * counts and failing test titles, never code or file contents) and `board` to put its server's URL on
 * the conformance board. The room answers `welcome`, `broadcast` (a teacher's message) and `refused`
 * (what it would not take, and why). Everything an attendee sends is bounded: names, titles, counts
 * and list lengths are cut to the limits below; a message that breaks a rule is refused, not repaired.
 */

/**
 * The room's close codes. An application may not send 1008 or 1013 itself (the application API, like
 * the browser's, takes 1000 or 3000–4999: RFC 6455 §7.4.2 leaves 4000–4999 to private use), so the
 * room uses the private codes that mirror them: 4008 for a policy violation (a bad token, a flood),
 * 4013 for "try again later" (the room is full). A runner closed with 4008 does not retry.
 */
export const CLOSE_POLICY_VIOLATION = 4008;
export const CLOSE_TRY_AGAIN_LATER = 4013;

/** Limits on what one attendee can make the room hold. Every one can be changed in {@link RoomLimits}. */
export interface RoomLimits {
  /** Longest attendee name, in characters. */
  readonly maxNameLength: number;
  /** Largest WebSocket message the room accepts (bytes); a larger one closes with 1009. */
  readonly maxMessageBytes: number;
  /** Messages one connection may send per {@link RoomLimits.rateWindowMs}; more close with {@link CLOSE_POLICY_VIOLATION}. */
  readonly maxMessagesPerWindow: number;
  readonly rateWindowMs: number;
  /** Chapters per report. */
  readonly maxChapters: number;
  /** Failing test titles kept per chapter. */
  readonly maxFailingTitles: number;
  /** Longest test title kept, in characters. */
  readonly maxTitleLength: number;
  /** Attendees a room holds; a join past it is refused. */
  readonly maxAttendees: number;
  /** Longest teacher's message, in characters. */
  readonly maxBroadcastLength: number;
}

export const DEFAULT_LIMITS: RoomLimits = {
  maxNameLength: 40,
  maxMessageBytes: 64 * 1024,
  maxMessagesPerWindow: 20,
  rateWindowMs: 10_000,
  maxChapters: 40,
  maxFailingTitles: 50,
  maxTitleLength: 300,
  maxAttendees: 200,
  maxBroadcastLength: 2_000,
};

/** One chapter's results in one run, as an attendee reports them. */
export interface ChapterReport {
  /** Two digits, e.g. `04`. */
  readonly number: string;
  readonly state: 'passed' | 'failing' | 'not-started';
  readonly passed: number;
  readonly total: number;
  /** Titles of the failing tests (describe names and test name joined with ` › `). */
  readonly failing: readonly string[];
}

export type AttendeeMessage =
  | { readonly type: 'hello'; readonly id: string; readonly name: string; readonly lastBroadcast: number }
  | { readonly type: 'report'; readonly ms: number; readonly chapters: readonly ChapterReport[] }
  | { readonly type: 'board'; readonly url: string };

export type TeacherMessage =
  | { readonly type: 'broadcast'; readonly text: string; readonly chapter: string | null }
  | { readonly type: 'run-board' };

/** A teacher's message as attendees receive it. */
export interface Broadcast {
  readonly id: number;
  readonly at: number;
  readonly text: string;
  /** Only attendees working on this chapter get it; null for everyone. */
  readonly chapter: string | null;
}

export type RoomToAttendee =
  | { readonly type: 'welcome'; readonly name: string }
  | { readonly type: 'broadcast'; readonly broadcast: Broadcast }
  | { readonly type: 'refused'; readonly reason: string };

/** Thrown for a message the room will not take; its text is sent back as the refusal. */
export class Refusal extends Error {}

const CHAPTER_NUMBER = /^\d\d$/;
// Control characters, bidirectional overrides and zero-width characters: nothing a name needs.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000) throw new Refusal(`${what} is not a count`);
  return value;
}

/** Text made printable and cut to `max` characters. */
export function cleanText(value: unknown, max: number, what: string): string {
  if (typeof value !== 'string') throw new Refusal(`${what} is not a string`);
  const cleaned = value.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
  return [...cleaned].slice(0, max).join('');
}

/** A name: printable, at most `maxNameLength` characters, not empty. Markup is kept as text (the page never parses it). */
export function checkName(value: unknown, limits: RoomLimits): string {
  if (typeof value !== 'string') throw new Refusal('the name is not a string');
  const cleaned = cleanText(value, Number.MAX_SAFE_INTEGER, 'the name');
  if (cleaned === '') throw new Refusal('the name is empty');
  if ([...cleaned].length > limits.maxNameLength) throw new Refusal(`the name is longer than ${limits.maxNameLength} characters`);
  return cleaned;
}

/** A `ws://` URL of an attendee's server, for the conformance board. */
export function checkServerUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length > 200) throw new Refusal('the server URL is not a string of at most 200 characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Refusal(`"${cleanText(value, 60, 'the URL')}" is not a URL`);
  }
  if (url.protocol !== 'ws:') throw new Refusal('the board tests ws:// servers (npm run serve -- --impl chapters)');
  if (url.username || url.password) throw new Refusal('the server URL must not carry credentials');
  if (url.pathname === '/' || url.pathname === '/chat') url.pathname = '/echo';
  return url.href;
}

/** Parses and checks one attendee message. */
export function parseAttendeeMessage(text: string, limits: RoomLimits): AttendeeMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Refusal('the message is not JSON');
  }
  const message = record(parsed, 'the message');
  switch (message.type) {
    case 'hello': {
      const id = message.id;
      if (typeof id !== 'string' || !/^[\w-]{8,64}$/.test(id)) throw new Refusal('hello needs an id of 8–64 letters, digits, - or _');
      return { type: 'hello', id, name: checkName(message.name, limits), lastBroadcast: count(message.lastBroadcast ?? 0, 'lastBroadcast') };
    }
    case 'report': {
      const chapters = message.chapters;
      if (!Array.isArray(chapters)) throw new Refusal('a report needs a chapters list');
      if (chapters.length > limits.maxChapters) throw new Refusal(`a report holds at most ${limits.maxChapters} chapters`);
      const seen = new Set<string>();
      const checked = chapters.map((entry: unknown): ChapterReport => {
        const chapter = record(entry, 'a chapter of the report');
        const number = chapter.number;
        if (typeof number !== 'string' || !CHAPTER_NUMBER.test(number) || seen.has(number)) throw new Refusal('a chapter number is two digits, once per report');
        seen.add(number);
        const state = chapter.state;
        if (state !== 'passed' && state !== 'failing' && state !== 'not-started') throw new Refusal('a chapter state is passed, failing or not-started');
        const total = count(chapter.total, 'total');
        const passed = count(chapter.passed, 'passed');
        if (passed > total) throw new Refusal('passed is more than total');
        if (!Array.isArray(chapter.failing)) throw new Refusal('failing is a list of test titles');
        const failing = chapter.failing.slice(0, limits.maxFailingTitles).map((title) => cleanText(title, limits.maxTitleLength, 'a test title'));
        return { number, state, passed, total, failing };
      });
      return { type: 'report', ms: count(Math.round(Number(message.ms ?? 0)), 'ms'), chapters: checked };
    }
    case 'board':
      return { type: 'board', url: checkServerUrl(message.url) };
    default:
      throw new Refusal('the message type is hello, report or board');
  }
}

/** Parses and checks one message from the teacher's dashboard. */
export function parseTeacherMessage(text: string, limits: RoomLimits): TeacherMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Refusal('the message is not JSON');
  }
  const message = record(parsed, 'the message');
  if (message.type === 'run-board') return { type: 'run-board' };
  if (message.type !== 'broadcast') throw new Refusal('the message type is broadcast or run-board');
  const text_ = cleanText(message.text, limits.maxBroadcastLength, 'the text');
  if (text_ === '') throw new Refusal('the broadcast is empty');
  const chapter = message.chapter ?? null;
  if (chapter !== null && (typeof chapter !== 'string' || !CHAPTER_NUMBER.test(chapter))) throw new Refusal('chapter is two digits or null');
  return { type: 'broadcast', text: text_, chapter };
}
