/**
 * What a conformance case is, and what it is given to run.
 *
 * A case throws {@link CaseFailure} with a one-line reason when the server misbehaves; anything else
 * it throws is reported too. It never sleeps to prove that something did not happen: it sends a
 * follow-up (a text message, a close) and checks that the answer to that comes next.
 */
import type { ChapterNumber } from './chapters.ts';
import type { RawClient, UpgradeRequestOptions } from '../wire/index.ts';

export interface Target {
  host: string;
  port: number;
  /** The echo endpoint's path, e.g. `/echo`. */
  path: string;
}

export interface CaseContext {
  readonly target: Target;
  /** The server's message size limit (RFC 6455 §10.4), for the 1009 cases. */
  readonly maxMessageSize: number;
  /** A TCP connection, no handshake yet. */
  connect(): Promise<RawClient>;
  /** A TCP connection that has completed the opening handshake (fails the case on any other answer). */
  open(options?: UpgradeRequestOptions): Promise<RawClient>;
  /** The request head for this target, with `options` applied. */
  request(options?: UpgradeRequestOptions): string;
}

export interface Case {
  /** Autobahn-style, e.g. `5.4` or `7.7.3`. */
  id: string;
  title: string;
  /** The chapter that teaches the behaviour; its score counts this case. */
  chapter: ChapterNumber;
  /**
   * Chapters the case needs beyond 01..`chapter` (every earlier chapter is always needed). The case is
   * pending while any of them is a starter.
   */
  needs?: ChapterNumber[];
  /**
   * Chapter 13: true for a case that needs the server's compression on (`--deflate`), false for one
   * that needs it off; the case is pending otherwise. Undefined: runs either way.
   */
  deflate?: boolean;
  /** Time bound in ms (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  run(context: CaseContext): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 2000;

/** The server did something the RFC does not allow; `message` says what, briefly. */
export class CaseFailure extends Error {
  override name = 'CaseFailure';
}

/** Throw a {@link CaseFailure}. */
export function fail(message: string): never {
  throw new CaseFailure(message);
}
