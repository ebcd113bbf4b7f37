import { byPrice } from '../gpu/allow-list.js';
import { parseGpuSpec, type GpuSpec } from '../gpu/gpu-spec.js';
import type { ModelFacts } from './model-facts.js';

/**
 * One entry of the config's `models` map. GPU keys are snake_case because they come
 * straight from the YAML file; `facts` arrive converted to the catalog's own shape. An
 * explicit GPU list is the operator's decision: it replaces the
 * computed list and is not checked against the allow-list or the memory estimate.
 */
export interface ModelOverride {
  inference_gpus?: string[];
  training_gpus?: string[];
  /** Must be one of the model's inference GPUs. @default the cheapest of them */
  default_gpu?: string;
  /** Replaces the built-in facts, or describes a model the catalog does not know. */
  facts?: Omit<ModelFacts, 'id'>;
}

/** `models."Qwen/Qwen3-0.6B"`: the config path of a model's entry, for error messages. */
export function overrideKey(configId: string): string {
  return `models.${JSON.stringify(configId)}`;
}

// Config is checked once at start-up, so a bad entry stops the gateway with its key.
function parseOrThrow(text: string, key: string): GpuSpec {
  const result = parseGpuSpec(text);
  if (!result.ok) throw new Error(`${key}: ${result.error.message}`);
  return result.spec;
}

/** An explicit GPU list, parsed, de-duplicated and cheapest first. */
export function parseGpuList(texts: readonly string[], key: string): GpuSpec[] {
  const specs = new Map<string, GpuSpec>();
  texts.forEach((text, index) => {
    const spec = parseOrThrow(text, `${key}[${index}]`);
    specs.set(spec.canonical, spec);
  });
  return [...specs.values()].sort(byPrice);
}

/** The configured default, which must be one the model may run on. */
export function parseDefaultGpu(text: string, key: string, inferenceGpus: readonly GpuSpec[]): GpuSpec {
  const spec = parseOrThrow(text, key);
  const allowed = inferenceGpus.find((candidate) => candidate.canonical === spec.canonical);
  if (!allowed) {
    const choices = inferenceGpus.map((candidate) => candidate.canonical).join(', ') || 'none';
    throw new Error(`${key}: ${spec.canonical} is not one of the model's inference GPUs (${choices}); pick one of those or add it to inference_gpus`);
  }
  return allowed;
}
