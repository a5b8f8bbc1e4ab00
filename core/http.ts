/**
 * The one HTTP rule shared by chapter 04's refusals and the connection's plain answers.
 *
 * Every answer this server writes before a connection is OPEN is its last: the TCP connection
 * closes after it, so it says `Connection: close` (RFC 9112 §9.6). A response that carries
 * `Upgrade` (a 426 offering WebSocket) must also list `upgrade` in `Connection` (RFC 9110 §7.8).
 * Field names are case-insensitive (RFC 9110 §5.1), so the lookup is too.
 */

/** `headers` with `Connection: close`, or `Connection: Upgrade, close` when they carry Upgrade. */
export function closingHeaders(headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  const names = Object.keys(headers);
  const offersUpgrade = names.some((name) => name.toLowerCase() === 'upgrade');
  const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'connection'));
  return { ...rest, Connection: offersUpgrade ? 'Upgrade, close' : 'close' };
}
