import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from './api/build-app.js';
import { GatewayMetrics } from './api/gateway-metrics.js';
import { ModelCatalog } from './catalog/model-catalog.js';
import type { Config } from './config/config-schema.js';
import { buildAllowList } from './gpu/allow-list.js';
import { ServerDrain } from './http/server-drain.js';
import { PoolManager, type PoolQuery } from './pools/pool-manager.js';
import { findDevices } from './devices/find-devices.js';
import { ggufMemoryGb } from './pools/gguf-memory.js';
import { createStateStore } from './state/create-state-store.js';
import type { PoolKey } from './state/pool-state-store.js';

export interface Gateway {
  app: FastifyInstance;
  catalog: ModelCatalog;
  pools: PoolManager;
  /** Graceful shutdown of the listener (signals): run before `close()`. */
  drain: ServerDrain;
  /** Stops accepting requests, then closes every pool, then the state store. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** prom-client's process metrics in /metrics (see GatewayMetrics). @default true */
  processMetrics?: boolean;
}

/** The composition root: config → catalog, state store and pools → HTTP app. */
export async function createGateway(config: Readonly<Config>, logger: Logger | false = false, env: NodeJS.ProcessEnv = process.env, options: GatewayOptions = {}): Promise<Gateway> {
  const catalog = new ModelCatalog({
    allowList: buildAllowList(config.gpus.allowed),
    models: config.models,
    contextTokens: config.estimates.context_tokens,
    memoryUtilization: config.gpus.memory_utilization,
    trainingMethod: config.estimates.training_method,
  });
  const { store, replica } = await createStateStore(config, logger || pino({ level: 'silent' }));
  // Records come from other replicas: their ids are checked against this catalog first.
  const resolve = (key: PoolKey): PoolQuery | undefined => {
    const model = catalog.resolve(key.model);
    return model?.inferenceGpus.some((s) => s.canonical === key.gpu) ? { model: model.id, aliases: [model.id], gpu: key.gpu } : undefined;
  };
  let pools: PoolManager | undefined;
  const metrics = new GatewayMetrics(() => pools?.statuses() ?? [], () => pools?.waiting ?? 0, options);
  try {
    const devices = await findDevices(config.gpus.devices, env, logger || undefined);
    pools = new PoolManager({
      config,
      env,
      onChange: (pool) => metrics.poolChanged(pool.status()),
      sharing: { store, replica, resolve },
      devices,
      onQueueWait: (seconds) => metrics.queueWait.observe(seconds),
      // The file a worker would load, quantised as it is, with the context it allocates:
      // workers.parallel sequences of workers.context_tokens in one llama.cpp context.
      memoryNeed: async (weights) => (await ggufMemoryGb(weights.path, config.workers.context_tokens * config.workers.parallel)).totalGb,
      memoryUtilization: config.gpus.memory_utilization,
    });
    listConfiguredPools(config, catalog, pools);
    const drain = new ServerDrain();
    const app = await buildApp({ config, catalog, pools, metrics, drain }, { logger });
    drain.track(app.server);
    const built = pools;
    return {
      app,
      catalog,
      pools: built,
      drain,
      async close() {
        await app.close();
        await built.close();
        await store.close();
      },
    };
  } catch (error) {
    // Start-up failed: nothing may keep the process alive (workers, Redis connections).
    await pools?.close();
    await store.close();
    throw error;
  }
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
