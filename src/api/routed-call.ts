import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import { onClose } from '../http/on-close.js';
import { resolveModel } from '../routing/resolve-model.js';
import { selectGpu } from '../routing/select-gpu.js';
import { UpstreamSignal } from '../upstream/upstream-signal.js';
import { findPool } from './find-pool.js';
import type { GatewayContext } from './gateway-context.js';
import { headerValue } from './header-value.js';
import { relayUpstream } from './relay-upstream.js';
import type { Stamp } from './shape-response.js';
import './routed-reply.js';

/** Fields the gateway reads and the upstream must not see. */
const GATEWAY_ONLY_FIELDS = ['gpu_preference'] as const;

/** What the gateway reads from every routed body; the route's parser checks the rest. */
export interface RoutedBody {
  model: string;
  stream?: boolean | null;
  gpu_preference?: string | null;
}

/**
 * One OpenAI route the gateway sends to a pool. Routes differ by data only: the path
 * (the same below the upstream's base URL), the body check and the stamp.
 */
export interface RoutedRoute {
  path: string;
  schema: FastifySchema;
  parse(body: unknown): RoutedBody;
  /** How the answer is stamped, for the model id as requested and the canonical GPU. */
  stamp(model: string, gpu: string, stream: boolean): Stamp;
}

/** The body as the client sent it; re-serialised only when a gateway-only field must go. */
function upstreamBody(request: FastifyRequest): string {
  const parsed = request.body as Record<string, unknown>;
  if (request.rawBody !== undefined && !GATEWAY_ONLY_FIELDS.some((field) => Object.hasOwn(parsed, field))) return request.rawBody;
  const forward: Record<string, unknown> = { ...parsed };
  for (const field of GATEWAY_ONLY_FIELDS) delete forward[field];
  return JSON.stringify(forward);
}

/**
 * `POST <route.path>`: parse, resolve the model, choose the GPU (body, header, a warm
 * pool, the default), find the pool, forward, relay (ARCHITECTURE.md "One request").
 */
export function registerRoutedCall(app: FastifyInstance, ctx: GatewayContext, route: RoutedRoute): void {
  app.post(route.path, { schema: route.schema }, async (request, reply) => {
    const body = route.parse(request.body);
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
    const stream = body.stream === true;
    const waitStartedAt = performance.now();
    const group = await ctx.pools.endpointsFor(pool, signal);
    const { endpoint, response } = await group.send({
      path: route.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
      body: upstreamBody(request),
      signal,
    });
    if (response.statusCode < 300) pool.noteServed();
    return relayUpstream(reply, { response, endpoint, waitStartedAt }, route.stamp(body.model, gpu, stream));
  });
}
