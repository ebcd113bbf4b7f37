import type { OutgoingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { connectionTokens, isHopByHop } from './hop-by-hop.js';

type TargetHeaders = Dispatcher.ResponseData['headers'];

export function isEventStream(headers: TargetHeaders): boolean {
  return String(headers['content-type'] ?? '').toLowerCase().includes('text/event-stream');
}

function mergeVary(ours: OutgoingHttpHeaders['vary'], theirs: string | string[]): string {
  const all = [ours ?? [], theirs].flat().flatMap((v) => String(v).split(','));
  const seen = new Map<string, string>();
  for (const token of all.map((t) => t.trim()).filter(Boolean)) if (!seen.has(token.toLowerCase())) seen.set(token.toLowerCase(), token);
  return [...seen.values()].join(', ');
}

/**
 * The target's response headers for the client (X-Selected-GPU, X-Request-Id,
 * Content-Type, Set-Cookie …), layered over the headers the proxy already set (CORS).
 * Dropped: hop-by-hop headers; the target's `Access-Control-*`, because the browser
 * talks to the proxy and two `Access-Control-Allow-Origin` values make it refuse the
 * answer; and for an event stream `Content-Length`, since a failure may append an event.
 * `Vary` is merged, so both the proxy's and the target's reasons survive.
 */
export function clientResponseHeaders(target: TargetHeaders, ours: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(target.connection);
  const stream = isEventStream(target);
  const out: OutgoingHttpHeaders = { ...ours };
  for (const [name, value] of Object.entries(target)) {
    if (value === undefined || isHopByHop(name, listed) || name.startsWith('access-control-')) continue;
    if (stream && name === 'content-length') continue;
    out[name] = name === 'vary' ? mergeVary(out.vary, value) : value;
  }
  return out;
}
