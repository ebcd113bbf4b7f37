import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/gateway-error.js';
import type { PoolQuery } from '../../pools/pool-manager.js';
import type { PoolStatus } from '../../pools/pool-status.js';
import { resolveModel } from '../../routing/resolve-model.js';
import { selectGpu } from '../../routing/select-gpu.js';
import { findPool } from '../find-pool.js';
import type { GatewayContext } from '../gateway-context.js';
import { headerValue } from '../header-value.js';

interface WarmupQuery {
  gpu?: unknown;
  wait?: unknown;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The pool a warm-up route names. The model id arrives raw in the path (it contains
 * `/`) and is only ever used to look up the catalog; the GPU comes from `?gpu=`, then
 * X-GPU-Preference, then the model's default (the spec's §2).
 */
function queryOf(ctx: GatewayContext, request: FastifyRequest): { query: PoolQuery; requested: string } {
  const requested = (request.params as { '*'?: string })['*'] ?? '';
  if (!requested) throw new GatewayError('invalid_request', 'Name the model in the path, e.g. POST /warmup/Qwen/Qwen3-0.6B.', 'model_id');
  const model = resolveModel(ctx.catalog, requested, 'model_id');
  const { spec } = selectGpu(ctx.catalog, model, { query: (request.query as WarmupQuery).gpu, header: headerValue(request, 'x-gpu-preference') });
  return { query: { model: model.id, aliases: [requested, model.id], gpu: spec.canonical }, requested };
}

function statusBody(status: PoolStatus, requested: string) {
  return {
    status: status.state,
    model: requested,
    gpu: status.gpu,
    timestamp: seconds(Date.now()),
    since: seconds(status.since),
    last_used: status.lastUsed === null ? null : seconds(status.lastUsed),
    kind: status.kind,
    device: status.device,
    weights: status.weights,
    ...(status.download && { progress: status.download.progress, bytes: status.download.bytes, total_bytes: status.download.totalBytes }),
    ...(status.error !== undefined && { error: status.error }),
  };
}

/** `POST warmup/{model_id}`, `GET warmup/status/{model_id}` and `GET warmup/status`. */
export function registerWarmup(app: FastifyInstance, ctx: GatewayContext) {
  app.post('/warmup/*', { schema: ROUTE_SCHEMAS.warmup }, async (request, reply) => {
    const { query, requested } = queryOf(ctx, request);
    const pool = findPool(ctx, query.model, query.aliases, query.gpu);
    reply.header('x-selected-gpu', pool.gpu);
    reply.routed = { model: pool.model, gpu: pool.gpu };
    const wait = ['true', '1'].includes(String((request.query as WarmupQuery).wait));
    // A start that cannot fit is the caller's mistake: say so now, not only in the status.
    await ctx.pools.checkFit(pool);
    const warming = ctx.pools.warm(pool);
    if (wait) await warming;
    else warming.catch(() => undefined); // the failure is kept in the pool's status
    return { status: pool.state === 'warmed' ? 'warmed' : 'warming', model: requested, gpu: pool.gpu, timestamp: seconds(Date.now()) };
  });

  app.get('/warmup/status/*', { schema: ROUTE_SCHEMAS.warmupStatus }, async (request, reply) => {
    const { query, requested } = queryOf(ctx, request);
    // Asking must not create the pool. Only when no entry serves it does findPool run,
    // to answer its 503 (it creates nothing then either).
    const status = ctx.pools.peek(query) ?? findPool(ctx, query.model, query.aliases, query.gpu).status();
    reply.header('x-selected-gpu', status.gpu);
    return statusBody(status, requested);
  });

  app.get('/warmup/status', { schema: ROUTE_SCHEMAS.warmupList }, async () => ({ pools: ctx.pools.statuses().map((s) => statusBody(s, s.model)) }));
}
