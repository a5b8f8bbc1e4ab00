/**
 * `.workbook/classroom.json` (git-ignored): the room this tree joined (`npm start -- join`), kept
 * until `npm start -- leave`. Small and free of imports, so a runner that never joined pays nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Joined {
  /** The room's address, `ws://host:port`. */
  readonly url: string;
  readonly name: string;
  readonly token: string;
  /** A random id that keeps this attendee's row across restarts of either side. */
  readonly id: string;
  /** The last broadcast shown, so none is shown twice. */
  lastBroadcast: number;
  /** This attendee's server on the conformance board. */
  serverUrl: string | null;
}

export function joinPath(root: string): string {
  return path.join(root, '.workbook', 'classroom.json');
}

export function readJoined(root: string): Joined | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(joinPath(root), 'utf8')) as Partial<Joined>;
    if (typeof parsed.url !== 'string' || typeof parsed.name !== 'string' || typeof parsed.token !== 'string' || typeof parsed.id !== 'string') return undefined;
    return { url: parsed.url, name: parsed.name, token: parsed.token, id: parsed.id, lastBroadcast: Number(parsed.lastBroadcast) || 0, serverUrl: parsed.serverUrl ?? null };
  } catch {
    return undefined;
  }
}

export function writeJoined(root: string, joined: Joined): void {
  const file = joinPath(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(joined, null, 2)}\n`, { mode: 0o600 });
}

export function newAttendeeId(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** `ws://host:port` from what the teacher printed (an `http://` dashboard address works too). */
export function roomUrl(value: string): string {
  const url = new URL(value);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`the room's address is ws://HOST:PORT, not ${value}`);
  return `${url.protocol}//${url.host}`;
}

