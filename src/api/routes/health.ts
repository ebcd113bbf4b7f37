import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';

/** `GET /health`: liveness for load balancers; needs no API key. */
export function registerHealth(app: FastifyInstance, ctx: GatewayContext) {
  const started = new Date().toISOString();
  app.get('/health', async () => ({ status: 'ok', started, models: ctx.catalog.list().length }));
}
