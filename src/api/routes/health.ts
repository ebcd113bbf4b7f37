import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance } from 'fastify';
import type { PoolState } from '../../pools/pool-status.js';
import type { GatewayContext } from '../gateway-context.js';
import { createKeyTest } from '../auth-hook.js';

/** The host's NVIDIA devices and the pool (`MODEL@SPEC`) holding each; empty on a CPU host. */
function deviceList(ctx: GatewayContext) {
  const allocator = ctx.pools.devices;
  return allocator.devices.map((d) => ({
    index: d.index,
    uuid: d.uuid,
    name: d.name,
    type: d.type,
    memory_gb: Math.round((d.memoryMiB * 2 ** 20) / 1e8) / 10,
    pool: allocator.holder(d.index),
  }));
}

/**
 * `GET /health`: liveness for load balancers; needs no API key. `{"status":"ok"}`, or a
 * 503 `{"status":"draining"}` from SIGTERM on, so that load balancers stop sending.
 * The details (which weights local pools run, `{"test-model": 24}` until real GGUF files
 * are configured, and how many pools are in each state) name paths and sizes: when keys
 * are configured only a caller with a key sees them.
 */
export function registerHealth(app: FastifyInstance, ctx: GatewayContext) {
  const started = new Date().toISOString();
  const models = ctx.catalog.list().length;
  const hasKey = createKeyTest(ctx.config.auth.api_keys);
  const open = ctx.config.auth.api_keys.length === 0;
  app.get('/health', { schema: ROUTE_SCHEMAS.health }, async (request, reply) => {
    if (ctx.drain.draining) return reply.code(503).send({ status: 'draining' });
    if (!open && !hasKey(request)) return { status: 'ok' };
    // Looked up per request: under workers.pull a model's weights arrive while serving.
    const weights = ctx.pools.localWeights(ctx.catalog.list());
    const pools: Record<PoolState, number> = { cold: 0, downloading: 0, warming: 0, warmed: 0, failed: 0 };
    for (const status of ctx.pools.statuses()) pools[status.state]++;
    return { status: 'ok', started, models, weights, pools, devices: deviceList(ctx) };
  });
}
