/**
 * Stand-ins for layers whose chapter is still a starter.
 *
 * The workbook is cumulative: after every chapter the server runs and does what that chapter
 * taught, even though the chapters after it are still TODOs that throw NotImplementedError. So
 * where the connection calls a later chapter's function, it passes a stand-in: the crude thing the
 * server does until that chapter is written (e.g. until chapter 07, a single-frame text message is
 * decoded without UTF-8 validation). A stand-in is used only for NotImplementedError; any other
 * error propagates. The reference solution never takes a stand-in.
 */
import { NotImplementedError } from './errors.ts';

/** Notices already given, so each missing function is reported once per process. */
const reported = new Set<string>();

/** Where notices about missing chapters go (`npm run serve` sets its own). */
let reportMissing: (notice: string) => void = (notice) => console.warn(notice);

export function setMissingReporter(reporter: (notice: string) => void): void {
  reportMissing = reporter;
}

/** Calls `layer`; if its chapter is not implemented yet, reports that once and calls `standIn`. */
export function withStandIn<T>(layer: () => T, standIn: () => T, meanwhile: string): T {
  try {
    return layer();
  } catch (error) {
    if (!(error instanceof NotImplementedError)) throw error;
    noteMissing(error, meanwhile);
    return standIn();
  }
}

/** Reports a missing chapter once: what to implement, and what the server does meanwhile. */
export function noteMissing(error: NotImplementedError, meanwhile: string): void {
  const key = `${error.file}:${error.task}`;
  if (reported.has(key)) return;
  reported.add(key);
  reportMissing(`${error.message}. Until then ${meanwhile}.`);
}
