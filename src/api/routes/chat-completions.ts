import type { FastifyInstance, FastifyRequest } from 'fastify';
import { onClose } from '../../http/on-close.js';
import { parseChatRequest } from '../../openai/chat-request.js';
import { resolveModel } from '../../routing/resolve-model.js';
import { selectGpu } from '../../routing/select-gpu.js';
import { findPool } from '../find-pool.js';
import type { GatewayContext } from '../gateway-context.js';
import { headerValue } from '../header-value.js';
import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import { relayUpstream } from '../relay-upstream.js';
import { createStamp } from '../shape-response.js';
import { UpstreamSignal } from '../../upstream/upstream-signal.js';

/** Fields the gateway reads and the upstream must not see. */
const GATEWAY_ONLY_FIELDS = ['gpu_preference'] as const;


/** The body as the client sent it; re-serialised only when a gateway-only field must go. */
function upstreamBody(request: FastifyRequest): string {
  const parsed = request.body as Record<string, unknown>;
  if (request.rawBody !== undefined && !GATEWAY_ONLY_FIELDS.some((field) => Object.hasOwn(parsed, field))) return request.rawBody;
  const forward: Record<string, unknown> = { ...parsed };
  for (const field of GATEWAY_ONLY_FIELDS) delete forward[field];
  return JSON.stringify(forward);
}

export function registerChatCompletions(app: FastifyInstance, ctx: GatewayContext) {
  app.post('/chat/completions', { schema: ROUTE_SCHEMAS.chat }, async (request, reply) => {
    const body = parseChatRequest(request.body);
    const model = resolveModel(ctx.catalog, body.model);
    const { spec } = selectGpu(ctx.catalog, model, {
      body: body.gpu_preference,
      header: headerValue(request, 'x-gpu-preference'),
      warm: () => ctx.pools.warmGpus(model.id),
    });
    const gpu = spec.canonical;
    reply.header('x-selected-gpu', gpu);
    reply.routed = { model: model.id, gpu };

    const pool = findPool(ctx, model.id, [body.model, model.id], gpu);
    const end = pool.begin();
    const signal = new UpstreamSignal();
    onClose(reply.raw, (early) => {
      end();
      if (early) signal.abort();
    });
    const waitStartedAt = performance.now();
    const group = await ctx.pools.endpointsFor(pool);
    const { endpoint, response } = await group.send({
      path: '/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' },
      body: upstreamBody(request),
      signal,
    });
    if (response.statusCode < 300) pool.noteServed();
    return relayUpstream(reply, { response, endpoint: endpoint.baseUrl, waitStartedAt }, createStamp(body.model, gpu));
  });
}
