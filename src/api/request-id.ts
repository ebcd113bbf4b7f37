import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// A client's id is kept only when it cannot inject anything into logs or headers.
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The `X-Request-Id` a client sent, when sane; a fresh UUID otherwise. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}
