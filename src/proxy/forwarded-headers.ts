import type { IncomingMessage } from 'node:http';
import { connectionTokens, isHopByHop } from './hop-by-hop.js';

/**
 * The scheme the client used. Behind a TLS-terminating load balancer (Render) that is
 * the incoming `X-Forwarded-Proto`; we keep its first entry when it is a scheme we know,
 * and otherwise say `http`, the only scheme this server speaks.
 */
export function forwardedProto(incoming: string | string[] | undefined): 'http' | 'https' {
  const first = (Array.isArray(incoming) ? incoming[0] : incoming)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https' || first === 'http' ? first : 'http';
}

/** IPv4 clients of a dual-stack socket show up as `::ffff:a.b.c.d`; gateways log the plain form. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}

/**
 * The request headers for the target, as a flat `[name, value, …]` list built from the
 * raw headers: names keep their case, repeated headers stay repeated, and every
 * end-to-end header (Authorization, X-API-Key, X-GPU-Preference, X-Request-Id,
 * Content-Type, Content-Length, Accept, …) goes through untouched. Hop-by-hop headers are
 * dropped; `X-Forwarded-For` gets the client appended and `X-Forwarded-Proto` is set.
 */
export function forwardedRequestHeaders(request: IncomingMessage): string[] {
  const listed = connectionTokens(request.headers.connection);
  const raw = request.rawHeaders;
  const out: string[] = [];
  const forwardedFor: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') forwardedFor.push(value);
    else if (lower !== 'x-forwarded-proto' && !isHopByHop(lower, listed)) out.push(name, value);
  }
  forwardedFor.push(clientAddress(request.socket.remoteAddress));
  out.push('X-Forwarded-For', forwardedFor.join(', '), 'X-Forwarded-Proto', forwardedProto(request.headers['x-forwarded-proto']));
  return out;
}
