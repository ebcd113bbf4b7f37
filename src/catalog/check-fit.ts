import type { GpuSpec } from '../gpu/gpu-spec.js';
import { BYTES_PER_MIB } from '../gpu/gpu-types.js';
import { estimateInference, estimateTraining, roundGb, type TrainingMethod } from './memory-estimate.js';
import type { ModelFacts } from './model-facts.js';

export type TaskType = 'inference' | 'training';

export interface FitReport {
  readonly fits: boolean;
  /** Estimated need of the whole spec (per GPU × N), GB; `undefined` when the model's facts are unknown. */
  readonly requiredGb: number | undefined;
  /** What the spec leaves for the model, GB: N × {@link usableGbPerGpu}. */
  readonly availableGb: number;
  /** The same, per GPU: what placement compares, since each card must hold its shard. */
  readonly perGpu: { readonly requiredGb: number | undefined; readonly availableGb: number };
  /** What is wrong, as sentences; empty when it fits. */
  readonly reasons: readonly string[];
}

export interface FitOptions {
  readonly task: TaskType;
  /** Only read for training. */
  readonly method: TrainingMethod;
  /** Only read for inference; clamped to the model's context. */
  readonly contextTokens: number;
  /** Share of each card the engine may take: `gpus.memory_utilization`. */
  readonly memoryUtilization: number;
}

/**
 * Share of each GPU a serving engine takes for itself unless configured: vLLM's
 * `gpu_memory_utilization` default (see ../shared/facts/gpus.md). The rest stays with the
 * driver, CUDA graphs and other processes.
 */
export const DEFAULT_MEMORY_UTILIZATION = 0.9;

/** Bytes one GPU of `spec` offers a model: memory.total × `utilization`. */
export function usableBytesPerGpu(spec: GpuSpec, utilization: number): number {
  return spec.type.memoryMib * BYTES_PER_MIB * utilization;
}

/** {@link usableBytesPerGpu} in GB, rounded for display. */
export function usableGbPerGpu(spec: GpuSpec, utilization: number): number {
  return roundGb(usableBytesPerGpu(spec, utilization) / 1e9);
}

/** Per-GPU need in bytes, unrounded. Training shards the whole job evenly (FSDP/ZeRO-3). */
function bytesPerGpu(facts: ModelFacts, spec: GpuSpec, options: FitOptions): number {
  if (options.task === 'training') return estimateTraining(facts, options.method).bytes / spec.count;
  return estimateInference(facts, { contextTokens: options.contextTokens, gpus: spec.count }).bytesPerGpu;
}

function describeNeed(facts: ModelFacts, options: FitOptions): string {
  if (options.task === 'training') return `${options.method} training`;
  return `inference at ${Math.min(options.contextTokens, facts.maxContext)} tokens of context`;
}

/**
 * Whether `facts` fits on `spec`: every GPU must hold its shard of the estimate (compared
 * unrounded). Inference also needs the attention heads to divide by the GPU count,
 * because tensor parallelism gives each GPU whole heads (vLLM asserts it). Training is
 * not held to that: multi-GPU fine-tuning shards parameters (FSDP/ZeRO), not heads.
 */
export function checkFit(facts: ModelFacts, spec: GpuSpec, options: FitOptions): FitReport {
  const needBytes = bytesPerGpu(facts, spec, options);
  const usableBytes = usableBytesPerGpu(spec, options.memoryUtilization);
  const perGpu = { requiredGb: roundGb(needBytes / 1e9), availableGb: roundGb(usableBytes / 1e9) };
  const reasons: string[] = [];
  if (needBytes > usableBytes) {
    const shard = spec.count > 1 ? ' per GPU' : '';
    reasons.push(
      `${facts.id} needs ${perGpu.requiredGb} GB${shard} for ${describeNeed(facts, options)}, ${spec.canonical} offers ${perGpu.availableGb} GB usable${shard} ` +
        `(${spec.type.memoryMib} MiB × ${options.memoryUtilization})`,
    );
  }
  if (options.task === 'inference' && facts.attentionHeads % spec.count !== 0) {
    reasons.push(`${facts.id} has ${facts.attentionHeads} attention heads, which do not split evenly over ${spec.count} GPUs for tensor parallelism`);
  }
  return {
    fits: reasons.length === 0,
    requiredGb: roundGb((needBytes * spec.count) / 1e9),
    availableGb: roundGb((usableBytes * spec.count) / 1e9),
    perGpu,
    reasons,
  };
}

/**
 * The longest context (tokens per sequence) whose inference estimate fits every GPU of
 * `spec`, capped at the model's own maximum; 0 when not even the weights fit. Memory
 * only: the heads rule is reported by {@link checkFit}.
 */
export function largestContext(facts: ModelFacts, spec: GpuSpec, memoryUtilization: number): number {
  const usable = usableBytesPerGpu(spec, memoryUtilization);
  const fits = (tokens: number) => estimateInference(facts, { contextTokens: tokens, gpus: spec.count }).bytesPerGpu <= usable;
  if (fits(facts.maxContext)) return facts.maxContext;
  if (!fits(1)) return 0;
  // The estimate grows with the context: binary search for the last context that fits.
  let low = 1;
  let high = facts.maxContext;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}
