import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/build-app.js';
import { ModelCatalog } from './catalog/model-catalog.js';
import type { Config } from './config/config-schema.js';
import { buildAllowList } from './gpu/allow-list.js';
import { PoolManager } from './pools/pool-manager.js';

export interface Gateway {
  app: FastifyInstance;
  catalog: ModelCatalog;
  pools: PoolManager;
  /** Stops accepting requests, then closes every upstream pool. */
  close(): Promise<void>;
}

/** The composition root: config → catalog and pools → HTTP app. */
export async function createGateway(config: Readonly<Config>, logger: Logger | false = false, env: NodeJS.ProcessEnv = process.env): Promise<Gateway> {
  const catalog = new ModelCatalog({
    allowList: buildAllowList(config.gpus.allowed),
    models: config.models,
    contextTokens: config.estimates.context_tokens,
    trainingMethod: config.estimates.training_method,
  });
  const pools = new PoolManager(config, env);
  listConfiguredPools(config, catalog, pools);
  const app = await buildApp({ config, catalog, pools }, { logger });
  return {
    app,
    catalog,
    pools,
    async close() {
      await app.close();
      await pools.close();
    },
  };
}

/**
 * Pools that config names exactly (one GPU, listed models) exist from the start, so
 * GET warmup/status lists them while still cold; wildcard entries add pools on first use.
 */
function listConfiguredPools(config: Readonly<Config>, catalog: ModelCatalog, pools: PoolManager): void {
  for (const entry of config.pools) {
    if (entry.gpu === '*') continue;
    for (const id of entry.models) {
      const model = id === '*' ? undefined : catalog.resolve(id);
      if (model?.inferenceGpus.some((s) => s.canonical === entry.gpu)) pools.find({ model: model.id, aliases: [id, model.id], gpu: entry.gpu });
    }
  }
}
