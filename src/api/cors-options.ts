import type { FastifyCorsOptions } from '@fastify/cors';

/** Headers a browser client may always send: the spec's `allow_headers=["*", "X-GPU-Preference"]`. */
export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-GPU-Preference', 'X-API-Key', 'X-Request-Id'];
/** Headers a browser client may read from our responses. */
export const EXPOSED_HEADERS = ['X-Selected-GPU', 'X-Request-Id', 'X-Gateway-Overhead-Ms'];

/**
 * Requested headers are allowed as well as ours, because SDKs add their own
 * (x-stainless-*) and the spec allows "*". With origin "*", credentials are never allowed.
 */
export function corsOptions(origins: '*' | readonly string[]): FastifyCorsOptions {
  const anyOrigin = origins === '*';
  const base = {
    origin: anyOrigin ? '*' : [...origins],
    credentials: !anyOrigin,
    exposedHeaders: EXPOSED_HEADERS,
    methods: ['GET', 'POST', 'OPTIONS'],
    maxAge: 600,
  };
  const everyday = { ...base, allowedHeaders: ALLOWED_HEADERS };
  return {
    delegator: (request, callback) => {
      const requested = request.headers['access-control-request-headers'];
      // Only preflights ask for headers; every other request reuses one options object.
      if (typeof requested !== 'string') return callback(null, everyday);
      const extra = requested.split(',').map((h) => h.trim()).filter(Boolean);
      callback(null, { ...base, allowedHeaders: [...new Set([...ALLOWED_HEADERS, ...extra])] });
    },
  };
}
