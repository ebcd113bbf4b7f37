import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
// The header lists are the gateway's, so the two servers allow and expose the same
// headers. They live in api/ for now; the proxy may not import from api/ (layering), so
// they should move to http/ — see the report that came with this module.
import { ALLOWED_HEADERS, EXPOSED_HEADERS } from '../http/cors-policy.js';

/** `"*"` or the exact origins (scheme://host[:port]) a browser page may call from. */
export type CorsOrigins = '*' | readonly string[];

const METHODS = 'GET, POST, OPTIONS';
const MAX_AGE_SECONDS = '600';

/**
 * The gateway's CORS policy (src/http/cors-policy.ts) for a plain node:http server:
 * any origin without credentials for `"*"`; for a list, a listed origin echoed back
 * with credentials allowed and any other origin left without `Access-Control-Allow-Origin`.
 */
export class CorsPolicy {
  private readonly origins: CorsOrigins;

  constructor(origins: CorsOrigins) {
    this.origins = origins;
  }

  /** Headers every response carries, preflight or not. */
  headersFor(request: IncomingMessage): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = { 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') };
    if (this.origins === '*') {
      headers['access-control-allow-origin'] = '*';
      return headers;
    }
    // The answer depends on Origin, so caches must key on it.
    headers.vary = 'Origin';
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
