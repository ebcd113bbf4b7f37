import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/**
 * The one CORS policy of the gateway (Fastify) and the edge proxy (node:http), so a
 * browser sees the same answers through either.
 */

/** Headers a browser client may always send: the spec's `allow_headers=["*", "X-GPU-Preference"]`. */
export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-GPU-Preference', 'X-API-Key', 'X-Request-Id'];
/** Headers a browser client may read from our responses. */
export const EXPOSED_HEADERS = ['X-Selected-GPU', 'X-Request-Id', 'X-Gateway-Overhead-Ms'];

/** `"*"` or the exact origins (scheme://host[:port]) a browser page may call from. */
export type CorsOrigins = '*' | readonly string[];

const METHODS = 'GET, POST, OPTIONS';
const MAX_AGE_SECONDS = '600';
const EXPOSE = EXPOSED_HEADERS.join(', ');
// Every response carries these, so with "*" one frozen object serves every call.
const ANY_ORIGIN: Readonly<OutgoingHttpHeaders> = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSE });

/**
 * Any origin without credentials for `"*"`; for a list, a listed origin echoed back with
 * credentials allowed and any other origin left without `Access-Control-Allow-Origin`.
 */
export class CorsPolicy {
  private readonly origins: CorsOrigins;

  constructor(origins: CorsOrigins) {
    this.origins = origins;
  }

  /** Headers every response carries, preflight or not. Do not modify: it may be shared. */
  headersFor(request: IncomingMessage): Readonly<OutgoingHttpHeaders> {
    if (this.origins === '*') return ANY_ORIGIN;
    // The answer depends on Origin, so caches must key on it.
    const headers: OutgoingHttpHeaders = { 'access-control-expose-headers': EXPOSE, vary: 'Origin' };
    const origin = request.headers.origin;
    if (origin !== undefined && this.origins.includes(origin)) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-credentials'] = 'true';
    }
    return headers;
  }

  /** A browser's preflight: OPTIONS with Origin and Access-Control-Request-Method. It never needs a key. */
  isPreflight(request: IncomingMessage): boolean {
    return request.method === 'OPTIONS' && request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;
  }

  /**
   * Our headers plus whatever the preflight asks for: SDKs add their own (x-stainless-*)
   * and the original spec allows "*".
   */
  preflightHeaders(request: IncomingMessage): OutgoingHttpHeaders {
    const requested = request.headers['access-control-request-headers'];
    const extra = typeof requested === 'string' ? requested.split(',').map((h) => h.trim()).filter(Boolean) : [];
    const allowed = new Map<string, string>();
    for (const name of [...ALLOWED_HEADERS, ...extra]) if (!allowed.has(name.toLowerCase())) allowed.set(name.toLowerCase(), name);
    const base = this.headersFor(request);
    return {
      ...base,
      vary: [base.vary, 'Access-Control-Request-Headers'].filter(Boolean).join(', '),
      'access-control-allow-methods': METHODS,
      'access-control-allow-headers': [...allowed.values()].join(', '),
      'access-control-max-age': MAX_AGE_SECONDS,
      'content-length': '0',
    };
  }
}
