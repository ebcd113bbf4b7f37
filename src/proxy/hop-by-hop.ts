/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1, and the older
 * names RFC 2616 §13.5.1 lists): a proxy must not pass them on. `host` is here too
 * because the connection to the target has its own; undici sets it from the target.
 * `expect` is answered by our own server (Node sends `100 Continue`), and undici refuses it.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'trailers',
  'host',
  'expect',
]);

/** The header names a message marks as hop-by-hop in its own `Connection` header. */
export function connectionTokens(connection: string | string[] | undefined): Set<string> {
  const joined = Array.isArray(connection) ? connection.join(',') : (connection ?? '');
  return new Set(joined.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

/** True for a lower-case header name that must stay on this hop. */
export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed.has(name);
}
