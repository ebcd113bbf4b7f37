import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.js';

/** `GET /models`: the OpenAI list, one entry per catalog model. */
export function registerModels(app: FastifyInstance, ctx: GatewayContext) {
  const created = Math.floor(Date.now() / 1000);
  // The catalog is fixed at start-up, so the list is built once.
  const list = {
    object: 'list',
    data: ctx.catalog.list().map((model) => ({
      id: model.id,
      object: 'model',
      created,
      owned_by: model.id.includes('/') ? model.id.slice(0, model.id.indexOf('/')) : 'gpuroute',
    })),
  };
  app.get('/models', { schema: ROUTE_SCHEMAS.models }, async () => list);
}
