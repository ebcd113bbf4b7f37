import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseGgufSource, type GgufSource } from '../catalog/gguf-sources.js';
import type { Config } from '../config/config-schema.js';
import { TEST_MODEL_FILE_NAME } from '../worker/test-model/make-test-model.js';

/** What status and /health report for the generated GGUF every local pool falls back to. */
export const TEST_MODEL_LABEL = 'test-model';

export interface ResolvedWeights {
  path: string;
  /** "test-model", or the GGUF path, as status and /health report it. */
  label: string;
}

export function testModelPath(modelsDir: string): string {
  return resolve(modelsDir, TEST_MODEL_FILE_NAME);
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Where `gpuroute pull` stores a model's weights and the gateway looks for them:
 * `<models_dir>/<id>.gguf`. `undefined` for an id that would leave models_dir.
 */
export function pulledWeightsPath(modelId: string, modelsDir: string): string | undefined {
  const dir = resolve(modelsDir);
  const candidate = resolve(dir, `${modelId}.gguf`);
  return inside(dir, candidate) ? candidate : undefined;
}

/** `models.<id>.gguf` as written in config, parsed; a malformed one was refused at start-up. */
export function configuredSource(modelId: string, config: Pick<Config, 'models'>): GgufSource | undefined {
  const text = Object.entries(config.models).find(([id]) => id.toLowerCase() === modelId.toLowerCase())?.[1].gguf;
  if (!text) return undefined;
  const source = parseGgufSource(text);
  return 'error' in source ? undefined : source;
}

/**
 * Weights for a local pool, in the order of issue 3 §3: `models.<id>.gguf` when it is a
 * path, then `<models_dir>/<id>.gguf` (where `gpuroute pull` puts an `hf:` or URL
 * source), then the generated test model. `modelId` must be the catalog's canonical id,
 * never a requested string; the joined path is still checked to stay inside models_dir,
 * because config can add ids.
 */
export function resolveWeights(modelId: string, config: Pick<Config, 'models' | 'workers'>): ResolvedWeights {
  const configured = configuredSource(modelId, config);
  if (configured?.kind === 'path') return { path: resolve(configured.path), label: resolve(configured.path) };
  const candidate = pulledWeightsPath(modelId, config.workers.models_dir);
  if (candidate && existsSync(candidate)) return { path: candidate, label: candidate };
  return { path: testModelPath(config.workers.models_dir), label: TEST_MODEL_LABEL };
}

/**
 * The weights a local pool's start would load now, or `undefined` under workers.pull
 * while only the test model is there: that start downloads them first (issue 15 §3).
 */
export function weightsToLoad(modelId: string, config: Pick<Config, 'models' | 'workers'>): ResolvedWeights | undefined {
  const weights = resolveWeights(modelId, config);
  return config.workers.pull && weights.label === TEST_MODEL_LABEL ? undefined : weights;
}
