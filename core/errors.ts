/**
 * The errors every layer throws, and the one a starter throws.
 *
 * Each error carries its meaning for the wire: an {@link HttpError} knows the status the handshake
 * answers with, a {@link ProtocolError} knows the close code the connection fails with (RFC 6455
 * §7.1.7). Layers throw where they find the problem; the connection catches in exactly one place.
 *
 * This module is runtime-agnostic: the site's frame lab imports it in the browser.
 */
import { CloseCode } from './close-code.ts';

/** A request the opening handshake refuses: the status and headers of the HTTP answer. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    /** The HTTP status to answer with (400, 405, 426, 431 …). */
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Sec-WebSocket-Version: 13` with a 426 (RFC 6455 §4.2.2 step 4). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A violation of RFC 6455 by the peer: the connection fails with {@link ProtocolError.code}. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    message: string,
    /** The close code to fail the connection with: 1002 unless the RFC names another. */
    readonly code: number = CloseCode.ProtocolError,
  ) {
    super(message);
  }
}

/** Thrown by a starter's TODO: names the chapter, the file and what to implement. */
export class NotImplementedError extends Error {
  override name = 'NotImplementedError';
  /** The two-digit chapter number, e.g. `03`, read from the file's folder. */
  readonly chapter: string;

  constructor(
    /** The starter file, e.g. `chapters/03-accept-key/accept-key.ts`. */
    readonly file: string,
    /** What to implement there. */
    readonly task: string,
  ) {
    const chapter = /(\d\d)-[\w-]+/.exec(file)?.[1] ?? '??';
    super(`Chapter ${chapter}: implement ${task} (${file})`);
    this.chapter = chapter;
  }
}

/** The body of every TODO in a starter: always throws a {@link NotImplementedError}. */
export function todo(file: string, task: string): never {
  throw new NotImplementedError(file, task);
}
