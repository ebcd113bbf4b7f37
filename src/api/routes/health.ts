import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance } from 'fastify';
import type { PoolState } from '../../pools/pool-status.js';
import type { GatewayContext } from '../gateway-context.js';

/**
 * `GET /health`: liveness for load balancers; needs no API key. It also says which
 * weights local pools run (`{"test-model": 24}` until real GGUF files are configured)
 * and how many pools are in each state.
 */
export function registerHealth(app: FastifyInstance, ctx: GatewayContext) {
  const started = new Date().toISOString();
  const models = ctx.catalog.list().map((m) => m.id);
  const weights = ctx.pools.localWeights(ctx.catalog.list());
  app.get('/health', { schema: ROUTE_SCHEMAS.health }, async () => {
    const pools: Record<PoolState, number> = { cold: 0, warming: 0, warmed: 0, failed: 0 };
    for (const status of ctx.pools.statuses()) pools[status.state]++;
    return { status: 'ok', started, models: models.length, weights, pools };
  });
}
