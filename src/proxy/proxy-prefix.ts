/**
 * The path prefix the proxy forwards (`/api` by default, as the original service's
 * Render proxy, backend_routes.py, exposed it). Only paths under it reach the target;
 * everything else is a 404 from the proxy itself.
 */

const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

/** `--prefix` as given (`/api`, `/api/`, `/`), as the canonical form: no trailing slash, `''` for everything. */
export function parsePrefix(text: string): string {
  const trimmed = text.replace(/\/+$/, '');
  const segments = trimmed.split('/').slice(1);
  const valid = (trimmed === '' || trimmed.startsWith('/')) && segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!valid) throw new Error(`--prefix must be a path such as /api (or / for every path), got "${text}"`);
  return trimmed;
}

// A segment that a server which decodes and normalises paths would treat as `..`:
// the WHATWG URL spec's double-dot segments (`..`, `.%2e`, `%2e.`, `%2e%2e`, any case).
const DOUBLE_DOT = /^(?:\.|%2e)(?:\.|%2e)$/i;
const SINGLE_DOT = /^(?:\.|%2e)$/i;

/**
 * True when the raw request target (path and query, as received) lies under the prefix
 * even after dot segments are resolved, so that `/api/%2e%2e/admin` cannot climb out of
 * it at a target that normalises paths. The path itself is forwarded byte for byte;
 * this only decides whether it is forwarded at all.
 */
export function isUnderPrefix(rawUrl: string, prefix: string): boolean {
  if (!rawUrl.startsWith('/')) return false; // `*` (OPTIONS) and absolute-form targets are not ours
  const resolved: string[] = [];
  for (const segment of pathOf(rawUrl, Infinity).split('/').slice(1)) {
    if (DOUBLE_DOT.test(segment)) {
      if (resolved.pop() === undefined) return false;
    } else if (!SINGLE_DOT.test(segment)) resolved.push(segment);
  }
  const normalised = `/${resolved.join('/')}`;
  return prefix === '' || normalised === prefix || normalised.startsWith(`${prefix}/`);
}

/** The path of a raw request target, without the query (which may carry anything), for messages and logs. */
export function pathOf(rawUrl: string | undefined, max = 200): string {
  const url = rawUrl ?? '';
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).slice(0, max);
}
