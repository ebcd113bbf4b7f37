import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import type { Gateway } from '../gateway.js';
import { TEST_MODEL_LABEL, testModelPath } from '../pools/resolve-weights.js';
import { ensureTestModel } from '../worker/test-model/make-test-model.js';

/**
 * Local pools fall back to the generated test model, so it must exist before the first
 * worker starts; and an operator must hear, once, which models will answer with it.
 */
export async function prepareLocalPools(gateway: Gateway, config: Readonly<Config>, logger: Logger): Promise<void> {
  if (!gateway.pools.hasLocalPools) return;
  const path = testModelPath(config.workers.models_dir);
  const { created } = await ensureTestModel(path);
  if (created) logger.info({ path }, 'generated the test model');
  const onTestModel = gateway.pools.localWeights(gateway.catalog.list())[TEST_MODEL_LABEL] ?? 0;
  if (onTestModel && config.workers.pull) {
    logger.warn(
      { models: onTestModel, models_dir: config.workers.models_dir },
      `local pools of ${onTestModel} models have no GGUF weights yet: with workers.pull each model's weights are downloaded from its source (models.<id>.gguf, else the catalog's) on its first warm-up, into ${config.workers.models_dir}; warm-up status shows "downloading" with progress meanwhile`,
    );
  } else if (onTestModel) {
    logger.warn(
      { weights: TEST_MODEL_LABEL, models: onTestModel, path },
      `local pools of ${onTestModel} models have no GGUF weights and will run the generated test model (weights: "test-model"): run gpuroute pull <model id> (e.g. gpuroute pull Qwen/Qwen3-0.6B), put <model id>.gguf under ${config.workers.models_dir}, or set models.<id>.gguf`,
    );
  }
}
