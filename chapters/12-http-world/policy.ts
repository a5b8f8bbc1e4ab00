/**
 * Chapter 12: deciding in the handshake with HTTP's own means — a redirect, an Origin allow-list,
 * a token, and an asynchronous hook — before the 101 is sent.
 *
 * The opening handshake is an HTTP request (RFC 6455 §1.7, §4.1), so a WebSocket endpoint answers
 * it as any HTTP resource would: `308` with `Location` for an endpoint that moved, `403` for an
 * origin it does not serve, `401` with `WWW-Authenticate` for a client that did not authenticate
 * (RFC 6455 §4.2.2 step 2 allows a server to authenticate the client with 401 before it accepts,
 * step 3 to redirect it with a 3xx). Every refusal is a chapter 04 {@link HttpError},
 * so the one place that refuses handshakes writes it, with `Connection: close`.
 *
 * The checks run in a fixed order, each cheaper and more basic than the next:
 *
 * 1. the redirect (nothing else matters on a path that moved);
 * 2. the Origin (RFC 6455 §10.2): a page from another site must not reach the endpoint, even with
 *    the user's cookies, so this comes before the token;
 * 3. the token: `Authorization: Bearer`, else a `token` cookie, else `?token=`;
 * 4. the application's own hook (`verifyClient`), which may take its time (a session lookup).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHead } from '../02-http-head/request-head.ts';
import { headerValue } from '../02-http-head/request-head.ts';
import { HttpError, todo } from '../../core/errors.ts';

export interface HandshakePolicy {
  /**
   * Origins served, as browsers send them (`https://example.com`, `http://localhost:8080`).
   * Undefined: every origin. A request without `Origin` is not from a browser page and passes.
   */
  readonly allowedOrigins?: readonly string[];
  /** The secret a client must present. Undefined: no token is asked for. */
  readonly token?: string;
  /** Endpoints that moved: old path → where they are now (a path or an absolute URL). */
  readonly redirects?: Readonly<Record<string, string>>;
  /**
   * The application's last word, after the checks above: resolve to accept, throw (or reject with)
   * an {@link HttpError} to refuse with its status. Any other error refuses with 500.
   */
  readonly verifyClient?: (head: RequestHead) => void | PromiseLike<void>;
}

/** The realm named in `WWW-Authenticate` (RFC 9110 §11.6.1). */
export const REALM = 'websocket';

/**
 * Throws a `308 Permanent Redirect` with `Location` when `path` is a key of `redirects` (the
 * request's query, if any, is kept). RFC 9110 §15.4.9: 308 keeps the method, so the client sends
 * the same GET, upgrade included, to the new place.
 */
export function checkRedirect(head: RequestHead, path: string, redirects: Readonly<Record<string, string>> = {}): void {
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/policy.ts', 'checkRedirect: look the path up (an own property only), keep the query, throw HttpError(308) with Location');
}

/**
 * Throws `403 Forbidden` when the request carries an `Origin` that is not in `allowed`
 * (compared case-insensitively: scheme and host are). `undefined` allows every origin.
 */
export function checkOrigin(head: RequestHead, allowed: readonly string[] | undefined): void {
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/policy.ts', 'checkOrigin: no list or no Origin passes; otherwise the Origin must be in the list, else HttpError(403)');
}

/**
 * The token the client presented, or null: `Authorization: Bearer <token>` (RFC 6750 §2.1), else
 * the `token` cookie (RFC 6265 §4.2), else the `token` query parameter (RFC 6750 §2.3).
 */
export function presentedToken(head: RequestHead): string | null {
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/policy.ts', 'presentedToken: Authorization "Bearer x" first, then the cookie pair token=x, then ?token=x');
}

/**
 * Throws `401 Unauthorized` with `WWW-Authenticate: Bearer realm="websocket"` when no token was
 * presented, and with `error="invalid_token"` (RFC 6750 §3) when it is not `secret`. The
 * comparison takes the same time whatever the token, so timing says nothing about the secret.
 */
export function checkToken(head: RequestHead, secret: string | undefined): void {
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/policy.ts', 'checkToken: find the token; none → 401 with a Bearer challenge; compare in constant time; wrong → 401 invalid_token');
}

/**
 * Runs the whole policy on a request that chapter 04 accepted as an upgrade: the redirect, the
 * Origin, the token, then `verifyClient`. Throws at once (before returning a promise) for the
 * first three, so a refusal costs no tick; the promise settles with the hook's verdict.
 */
export function checkHandshake(head: RequestHead, path: string, policy: HandshakePolicy): Promise<void> {
  // TODO (see the chapter's README)
  return todo('chapters/12-http-world/policy.ts', 'checkHandshake: the three synchronous checks in order, then the hook\'s promise (none → resolved)');
}
