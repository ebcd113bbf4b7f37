import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
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
 * Weights for a local pool, in the order of issue 3 §3: `models.<id>.gguf`, then
 * `<models_dir>/<id>.gguf`, then the generated test model. `modelId` must be the
 * catalog's canonical id, never a requested string; the joined path is still checked to
 * stay inside models_dir, because config can add ids.
 */
export function resolveWeights(modelId: string, config: Pick<Config, 'models' | 'workers'>): ResolvedWeights {
  const configured = Object.entries(config.models).find(([id]) => id.toLowerCase() === modelId.toLowerCase())?.[1].gguf;
  if (configured) return { path: resolve(configured), label: resolve(configured) };
  const modelsDir = resolve(config.workers.models_dir);
  const candidate = resolve(modelsDir, `${modelId}.gguf`);
  if (inside(modelsDir, candidate) && existsSync(candidate)) return { path: candidate, label: candidate };
  return { path: testModelPath(modelsDir), label: TEST_MODEL_LABEL };
}
