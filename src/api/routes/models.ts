import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance } from 'fastify';
import type { CatalogModel } from '../../catalog/model-catalog.js';
import { resolveModel } from '../../routing/resolve-model.js';
import type { GatewayContext } from '../gateway-context.js';

/** `GET /models` (the OpenAI list, one entry per catalog model) and `GET /models/{id}`. */
export function registerModels(app: FastifyInstance, ctx: GatewayContext) {
  const created = Math.floor(Date.now() / 1000);
  const entry = (model: CatalogModel) => ({
    id: model.id,
    object: 'model',
    created,
    owned_by: model.id.includes('/') ? model.id.slice(0, model.id.indexOf('/')) : 'gpuroute',
  });
  // The catalog is fixed at start-up, so the list is built once.
  const list = { object: 'list', data: ctx.catalog.list().map(entry) };
  app.get('/models', { schema: ROUTE_SCHEMAS.models }, async () => list);

  // The id holds a slash: raw (`/v1/models/Qwen/Qwen3-0.6B`) it fills the wildcard;
  // percent-encoded (`Qwen%2FQwen3-0.6B`, as openai's models.retrieve sends it) the
  // router decodes it. A fine-tune id answers as its base model's entry, under its own id.
  app.get('/models/*', { schema: ROUTE_SCHEMAS.model }, async (request) => {
    const requested = (request.params as { '*'?: string })['*'] ?? '';
    const model = resolveModel(ctx.catalog, requested);
    return model.id.toLowerCase() === requested.toLowerCase() ? entry(model) : { ...entry(model), id: requested };
  });
}
