import type { FastifyRequest } from 'fastify';

/** A request header as one string; repeated headers are joined as HTTP joins them. */
export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
