/**
 * The HTTP answers a connection writes before it is OPEN: the refusal for an error thrown during the
 * handshake, and any response as bytes. Chapter 04 writes both; until then, stand-ins do.
 */
import type { HttpResponse } from '../04-upgrade/handshake.ts';
import { formatResponse, refusalResponse } from '../04-upgrade/handshake.ts';
import { HttpError, NotImplementedError } from './errors.ts';
import { withStandIn } from './layers.ts';
import { plainTextResponse } from './stand-ins.ts';

/**
 * The response refusing a handshake that failed with `error`: its status for an HttpError, 501
 * naming the chapter for a starter's TODO, and 500 with no details for anything else.
 */
export function refusalFor(error: unknown): HttpResponse {
  if (error instanceof HttpError) {
    return withStandIn(
      () => refusalResponse(error),
      () => ({ status: error.status, headers: error.headers, body: `${error.message}\n` }),
      'refusals are written by a stand-in',
    );
  }
  if (error instanceof NotImplementedError) return { status: 501, body: `${error.message}\n` };
  return { status: 500, body: 'internal server error\n' };
}

/** formatResponse from chapter 04, or a plain text stand-in before it is written. */
export function responseBytes(response: HttpResponse): Uint8Array {
  return withStandIn(
    () => formatResponse(response),
    () => plainTextResponse(response),
    'responses are written by a stand-in',
  );
}
