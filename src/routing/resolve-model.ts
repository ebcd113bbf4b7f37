import { GatewayError } from '../errors/gateway-error.js';
import type { CatalogModel, ModelCatalog } from '../catalog/model-catalog.js';

const MAX_ECHO = 120;

/** The catalog entry for a requested id, or a 404 that says where models are listed. */
export function resolveModel(catalog: ModelCatalog, requested: unknown, param = 'model'): CatalogModel {
  if (typeof requested !== 'string' || requested.length === 0) {
    throw new GatewayError('invalid_request', `${param} is required: send a model id string such as "Qwen/Qwen3-0.6B". The ids are listed at GET /v1/models.`, param);
  }
  const model = catalog.resolve(requested);
  if (!model) {
    const shown = requested.length > MAX_ECHO ? `${requested.slice(0, MAX_ECHO)}…` : requested;
    throw new GatewayError('model_not_found', `The model '${shown}' does not exist in this gateway's catalog. The available ids are listed at GET /v1/models; add others under models: in the config.`, param);
  }
  return model;
}
