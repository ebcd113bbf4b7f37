/**
 * The CORS header lists that the gateway (Fastify, api/cors-options.ts) and the edge proxy
 * (node:http, proxy/cors-headers.ts) both apply, so a browser sees one policy through either.
 */

/** Headers a browser client may always send: the spec's `allow_headers=["*", "X-GPU-Preference"]`. */
export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-GPU-Preference', 'X-API-Key', 'X-Request-Id'];
/** Headers a browser client may read from our responses. */
export const EXPOSED_HEADERS = ['X-Selected-GPU', 'X-Request-Id', 'X-Gateway-Overhead-Ms'];
