import type { FastifyInstance } from 'fastify';
import { parseChatRequest } from '../../openai/chat-request.js';
import { parseRequestBody } from '../../openai/request-body.js';
import { completionRequestSchema, embeddingRequestSchema, responseRequestSchema } from '../../openai/routed-requests.js';
import type { GatewayContext } from '../gateway-context.js';
import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import { registerRoutedCall, type RoutedRoute } from '../routed-call.js';
import { createStamp, modelStamp, UNSTAMPED } from '../shape-response.js';

/**
 * The OpenAI routes sent to pools, as upstreams serve them (vLLM, SGLang, llama-server,
 * a gpuroute worker). `system_fingerprint.selected_gpu` goes where the object has a
 * `system_fingerprint`: chat and text completions and their chunks. Embeddings and
 * Responses objects have none; their stamp is the X-Selected-GPU header, and a Responses
 * object's `metadata` is left alone, because it is the caller's own, echoed (and stored,
 * with `store`) as sent. Responses events carry the model inside `response`, not at the
 * top, so they pass untouched.
 */
export const ROUTED_ROUTES: readonly RoutedRoute[] = [
  { path: '/chat/completions', schema: ROUTE_SCHEMAS.chat, parse: parseChatRequest, stamp: createStamp },
  {
    path: '/completions',
    schema: ROUTE_SCHEMAS.completions,
    parse: (body) => parseRequestBody(completionRequestSchema, body, '"model" and "prompt"'),
    stamp: createStamp,
  },
  {
    path: '/embeddings',
    schema: ROUTE_SCHEMAS.embeddings,
    parse: (body) => parseRequestBody(embeddingRequestSchema, body, '"model" and "input"'),
    stamp: modelStamp,
  },
  {
    path: '/responses',
    schema: ROUTE_SCHEMAS.responses,
    parse: (body) => parseRequestBody(responseRequestSchema, body, '"model"'),
    stamp: (model, _gpu, stream) => (stream ? UNSTAMPED : modelStamp(model)),
  },
];

export function registerRoutedCalls(app: FastifyInstance, ctx: GatewayContext): void {
  for (const route of ROUTED_ROUTES) registerRoutedCall(app, ctx, route);
}
