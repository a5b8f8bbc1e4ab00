/**
 * The runner's classroom commands: `classroom` (the teacher's room), `join`, `leave` and `board`
 * (the attendee's side). tools/runner/main.ts wires them into `npm start --`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Colors } from '../runner/format.ts';
import type { Chapter } from '../runner/chapters.ts';
import { checkName, checkServerUrl, DEFAULT_LIMITS, Refusal } from './protocol.ts';
import { joinPath, newAttendeeId, readJoined, roomUrl, writeJoined } from './joined.ts';

export interface CommandContext {
  readonly root: string;
  readonly print: (text?: string) => void;
  readonly printError: (text: string) => void;
  readonly c: Colors;
}

export interface ClassroomOptions {
  port: number;
  host: string;
  stuckAfter: number;
  state?: string;
  open: boolean;
  maxMessage?: number;
  rate?: number;
}

/** `10m`, `90s`, `1500ms` or a bare number of minutes → milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new Error(`a duration is a number with ms, s or m (minutes, the default): not "${value}"`);
  const amount = Number(match[1]);
  const unit = match[2] ?? 'm';
  return Math.round(amount * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
}

/** Runs the room until Ctrl-C. */
export async function classroomCommand(context: CommandContext, chapters: readonly Chapter[], options: ClassroomOptions): Promise<number> {
  const { root, print, c } = context;
  const { startRoom } = await import('./room-server.ts');
  const stateFile = path.resolve(root, options.state ?? path.join('.workbook', 'classroom-room.json'));
  let room: Awaited<ReturnType<typeof startRoom>>;
  try {
    room = await startRoom({
      port: options.port,
      host: options.host,
      stateFile,
      chapters: chapters.map((chapter) => ({ number: chapter.number, title: chapter.title })),
      stuckAfterMs: options.stuckAfter,
      limits: { ...(options.maxMessage ? { maxMessageBytes: options.maxMessage } : {}), ...(options.rate ? { maxMessagesPerWindow: options.rate } : {}) },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') context.printError(c.red(`port ${options.port} is in use: try --port ${options.port + 1}`));
    else context.printError(c.red((error as Error).message));
    return 1;
  }
  const host = room.host.includes(':') ? `[${room.host}]` : room.host;
  const dashboard = `http://${host}:${room.port}/#token=${room.teacherToken}`;
  const shownState = path.relative(root, stateFile).startsWith('..') ? stateFile : path.relative(root, stateFile);
  print(c.bold(`Classroom listening on http://${host}:${room.port} (state kept in ${shownState})`));
  print('');
  print('Attendees type, in their copy of the workbook:');
  print(`  ${c.cyan(`npm start -- join ws://${host}:${room.port} --name "Your Name" --token ${room.joinToken}`)}`);
  print('');
  print(`Your dashboard (the teacher token is in the address; keep it to yourself):`);
  print(`  ${c.cyan(dashboard)}`);
  print(c.dim(`  The same state as JSON: curl -H 'Authorization: Bearer ${room.teacherToken}' http://${host}:${room.port}/api/room`));
  if (room.host === '127.0.0.1' || room.host === '::1') print(c.dim('  Listening on loopback only: for a room on the LAN, give --host with this machine\'s LAN address.'));
  if (options.open && process.stdout.isTTY) openBrowser(dashboard);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  print('Closing the room (its state is kept).');
  await room.close();
  return 0;
}

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open: the address is printed above.
  }
}

export function joinCommand(context: CommandContext, url: string, options: { name: string; token: string; server?: string }): number {
  const { root, print, printError, c } = context;
  let address: string;
  let name: string;
  let serverUrl: string | null = null;
  try {
    address = roomUrl(url);
    name = checkName(options.name, DEFAULT_LIMITS);
    if (options.server !== undefined) serverUrl = checkServerUrl(options.server);
  } catch (error) {
    printError(c.red(error instanceof Refusal || error instanceof Error ? error.message : String(error)));
    return 1;
  }
  const before = readJoined(root);
  // The same room again keeps the id, so the teacher sees one row, not two.
  const id = before && before.url === address ? before.id : newAttendeeId();
  writeJoined(root, { url: address, name, token: options.token, id, lastBroadcast: before?.url === address ? before.lastBroadcast : 0, serverUrl: serverUrl ?? (before?.url === address ? before.serverUrl : null) });
  print(c.green(`Joined the classroom at ${address} as "${name}".`));
  print(`From now on every ${c.cyan('npm start')} sends the teacher each run's results: per chapter, the counts, the failing test titles and the time.`);
  print(c.dim(`No code and no file contents leave this machine. ${c.cyan('npm start -- leave')} stops it (kept in ${path.relative(root, joinPath(root))}).`));
  return 0;
}

export function leaveCommand(context: CommandContext): number {
  const joined = readJoined(context.root);
  fs.rmSync(joinPath(context.root), { force: true });
  context.print(joined ? `Left the classroom at ${joined.url}: nothing is sent any more.` : 'Not in a classroom: nothing to leave.');
  return 0;
}

export async function boardCommand(context: CommandContext, url: string): Promise<number> {
  const { root, print, printError, c } = context;
  const joined = readJoined(root);
  if (!joined) {
    printError(c.red('Join a classroom first: npm start -- join URL --name NAME --token T'));
    return 1;
  }
  try {
    joined.serverUrl = checkServerUrl(url);
  } catch (error) {
    printError(c.red((error as Error).message));
    return 1;
  }
  writeJoined(root, joined);
  const { RoomLink } = await import('./link.ts');
  let refused = false;
  const link = new RoomLink(root, joined, { persistent: false, onBroadcast: () => undefined, onNotice: (text) => ((refused = true), print(c.dim(text))) });
  link.start();
  await link.finish(2000);
  print(c.green(`Your server ${joined.serverUrl} is on the conformance board${refused ? ' from the next time the room can be reached' : ''}.`));
  print(c.dim('Keep npm run serve -- --impl chapters running (with --host set to an address the teacher can reach).'));
  return 0;
}
