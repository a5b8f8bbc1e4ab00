/**
 * What chapter 04's responses and the connection's plain answers share: the reason phrases, and the
 * rule for the `Connection` field of a last answer.
 *
 * Every answer this server writes before a connection is OPEN is its last: the TCP connection
 * closes after it, so it says `Connection: close` (RFC 9112 §9.6). A response that carries
 * `Upgrade` (a 426 offering WebSocket) must also list `upgrade` in `Connection` (RFC 9110 §7.8).
 * Field names are case-insensitive (RFC 9110 §5.1), so the lookup is too.
 */

/** Reason phrases of the statuses this server sends (RFC 9110 §15). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  101: 'Switching Protocols',
  200: 'OK',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** `headers` with `Connection: close`, or `Connection: Upgrade, close` when they carry Upgrade. */
export function closingHeaders(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  const names = Object.keys(headers);
  const offersUpgrade = names.some((name) => name.toLowerCase() === 'upgrade');
  const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'connection'));
  return { ...rest, Connection: offersUpgrade ? 'Upgrade, close' : 'close' };
}
