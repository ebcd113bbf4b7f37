import type { FastifyCorsOptions } from '@fastify/cors';

import { ALLOWED_HEADERS, EXPOSED_HEADERS } from '../http/cors-policy.js';

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
