import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { nestsDeeperThan } from './json-depth.js';

/** Deeper than any OpenAI body (a JSON-schema tool parameter is a few dozen levels at most). */
export const MAX_JSON_DEPTH = 128;

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body exactly as received, so it can be forwarded without re-serialising. */
    rawBody?: string;
  }
}

/**
 * JSON bodies as Fastify parses them (prototype-poisoning safe), keeping the raw text
 * on `request.rawBody`. An empty body is no body: `curl -X POST -H 'Content-Type:
 * application/json' …/warmup/M` is common.
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text === '') return done(null, undefined);
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return done(new GatewayError('invalid_json', `Request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels; send a flatter body.`, 'body'), undefined);
    }
    request.rawBody = text;
    parseJson(request, text, done);
  });
}
