import { specMemoryGb, type GpuSpec } from '../gpu/gpu-spec.js';
import { estimateInference, estimateTraining, roundGb, type TrainingMethod } from './memory-estimate.js';
import type { ModelFacts } from './model-facts.js';

export type TaskType = 'inference' | 'training';

export interface FitReport {
  readonly fits: boolean;
  /** Estimated need, GB; `undefined` when the model's facts are unknown. */
  readonly requiredGb: number | undefined;
  /** What the spec leaves for the model, GB: see {@link usableGb}. */
  readonly availableGb: number;
  /** What is wrong, as sentences; empty when it fits. */
  readonly reasons: readonly string[];
}

export interface FitOptions {
  readonly task: TaskType;
  /** Only read for training. */
  readonly method: TrainingMethod;
  /** Only read for inference; clamped to the model's context. */
  readonly contextTokens: number;
}

/**
 * Share of each GPU a serving engine takes for itself: vLLM's `gpu_memory_utilization`
 * default (see ../shared/facts/gpus.md); the rest stays with the driver and other processes.
 */
export const GPU_MEMORY_UTILIZATION = 0.9;

/** Memory a spec offers a model: all of its GPUs at {@link GPU_MEMORY_UTILIZATION}. */
export function usableGb(spec: GpuSpec): number {
  return roundGb(specMemoryGb(spec) * GPU_MEMORY_UTILIZATION);
}

function describeNeed(facts: ModelFacts, options: FitOptions): string {
  if (options.task === 'training') return `${options.method} training`;
  return `inference at ${Math.min(options.contextTokens, facts.maxContext)} tokens of context`;
}

/**
 * Whether `facts` fits on `spec`. Inference also needs the attention heads to divide by
 * the GPU count, because tensor parallelism gives each GPU whole heads (vLLM asserts it).
 * Training is not held to that: multi-GPU fine-tuning shards parameters (FSDP/ZeRO),
 * not heads.
 */
export function checkFit(facts: ModelFacts, spec: GpuSpec, options: FitOptions): FitReport {
  const requiredGb =
    options.task === 'inference'
      ? estimateInference(facts, { contextTokens: options.contextTokens }).totalGb
      : estimateTraining(facts, options.method).totalGb;
  const availableGb = usableGb(spec);
  const reasons: string[] = [];
  if (requiredGb > availableGb) {
    reasons.push(
      `${facts.id} needs ${requiredGb} GB for ${describeNeed(facts, options)}, ${spec.canonical} offers ${availableGb} GB usable ` +
        `(${spec.count} × ${spec.type.memoryGb} GB × ${GPU_MEMORY_UTILIZATION})`,
    );
  }
  if (options.task === 'inference' && facts.attentionHeads % spec.count !== 0) {
    reasons.push(`${facts.id} has ${facts.attentionHeads} attention heads, which do not split evenly over ${spec.count} GPUs for tensor parallelism`);
  }
  return { fits: reasons.length === 0, requiredGb, availableGb, reasons };
}
