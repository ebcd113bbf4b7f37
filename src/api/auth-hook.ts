import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey ? apiKey.trim() : undefined;
}

/** Paths any caller may reach without a key. */
export type PublicPath = (url: string) => boolean;

/**
 * Run from the onRequest hook, so the key is checked before the body is parsed and before any
 * GPU or model handling: a bad key with a bad GPU header is a 401 (issue 2 §8).
 * Only SHA-256 digests of the keys are kept, and every digest is compared in
 * constant time so the timing does not tell which key came close.
 */
export function createKeyCheck(apiKeys: readonly string[], isPublic: PublicPath): (request: FastifyRequest) => void {
  const matches = createKeyMatch(apiKeys);
  return function checkKey(request: FastifyRequest): void {
    if (apiKeys.length === 0 || request.method === 'OPTIONS' || isPublic(request.url)) return;
    const key = presentedKey(request);
    if (key === undefined) {
      throw new GatewayError('invalid_api_key', 'Missing API key. Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".', 'Authorization');
    }
    if (!matches(key)) throw new GatewayError('invalid_api_key', 'Invalid API key. Check the key you send in "Authorization: Bearer <key>" or "X-API-Key".', 'Authorization');
  };
}

/** Whether the request carries one of the keys: public routes that show more to a caller with a key. */
export function createKeyTest(apiKeys: readonly string[]): (request: FastifyRequest) => boolean {
  const matches = createKeyMatch(apiKeys);
  return (request) => {
    const key = presentedKey(request);
    return key !== undefined && matches(key);
  };
}

function createKeyMatch(apiKeys: readonly string[]): (key: string) => boolean {
  const digests = apiKeys.map(sha256);
  return (key) => {
    const digest = sha256(key);
    let match = false;
    for (const known of digests) match = timingSafeEqual(known, digest) || match;
    return match;
  };
}
