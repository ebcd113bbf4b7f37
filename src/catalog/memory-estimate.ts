import type { ModelFacts } from './model-facts.js';

// How much GPU memory a model needs, from its facts alone. Deliberately simple: it
// decides which GPU specs a model may be routed to, so it should err a little high and
// be easy to check by hand. GB are 1e9 bytes, as on GPU datasheets.

export const TRAINING_METHODS = ['full', 'lora', 'qlora'] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

export interface InferenceEstimate {
  readonly weightsGb: number;
  readonly kvCacheGb: number;
  readonly overheadGb: number;
  readonly totalGb: number;
}

export interface TrainingEstimate {
  readonly weightsGb: number;
  /** Gradients and optimizer state of the trained parameters (all of them, or the adapter). */
  readonly trainableStateGb: number;
  readonly activationsGb: number;
  readonly overheadGb: number;
  readonly totalGb: number;
}

const BYTES_PER_GB = 1e9;

const WEIGHT_BYTES: Record<ModelFacts['weightDtype'], number> = {
  bf16: 2,
  fp16: 2,
  fp8: 1,
  // 4-bit values plus one shared 8-bit scale per 32-value block (OCP MX spec): 4.25 bits.
  mxfp4: 4.25 / 8,
};

// Engines keep the KV cache in 16 bits unless told otherwise (vLLM kv_cache_dtype "auto").
const KV_BYTES = 2;

// CUDA context, cuBLAS/NCCL workspaces and captured CUDA graphs cost about 1 GB whatever
// the model; the forward pass's activation peak and allocator fragmentation grow with
// the model, which 5 % of the weights stands for.
const FIXED_OVERHEAD_BYTES = 1e9;
const OVERHEAD_SHARE_OF_WEIGHTS = 0.05;

// Full fine-tuning with mixed-precision Adam: bf16 weights (2) + bf16 gradients (2) +
// fp32 master weights (4) + Adam first and second moments (4 + 4) = 16 bytes/param.
const FULL_TRAINING_STATE_BYTES = 16 - 2;
// A LoRA adapter (rank 16–64 on the attention and MLP projections) is about 1 % of the
// model, trained with the same 16 bytes/param as full fine-tuning.
const ADAPTER_SHARE = 0.01;
const ADAPTER_BYTES = 16;
// Frozen base weights per method. LoRA trains against bf16 weights (gpt-oss's MXFP4
// experts are dequantised too); QLoRA's NF4 base is 0.5 bytes/param plus block scales.
const BASE_BYTES: Record<TrainingMethod, number> = { full: 2, lora: 2, qlora: 0.55 };

// Activations with gradient checkpointing (Korthikanti et al. 2022, "Reducing Activation
// Recomputation in Large Transformer Models"): each layer keeps its bf16 input, counted
// twice for the backward pass's copy, and one layer at a time is recomputed in full at
// ~34 bytes per token per hidden unit (flash attention removes the s² score term).
const CHECKPOINT_BYTES = 2 * 2;
const RECOMPUTED_LAYER_BYTES = 34;

/** Output rounding only: sums are taken before rounding. */
export function roundGb(gb: number): number {
  return Math.round(gb * 100) / 100;
}

function overheadBytes(weightsBytes: number): number {
  return FIXED_OVERHEAD_BYTES + OVERHEAD_SHARE_OF_WEIGHTS * weightsBytes;
}

/**
 * Memory to serve `facts` at `contextTokens` (clamped to the model's context) for
 * `batch` concurrent sequences.
 * @default contextTokens 8192, batch 1
 */
export function estimateInference(facts: ModelFacts, { contextTokens = 8192, batch = 1 } = {}): InferenceEstimate {
  const weights = facts.checkpointGb !== undefined ? facts.checkpointGb * BYTES_PER_GB : facts.totalParamsB * 1e9 * WEIGHT_BYTES[facts.weightDtype];
  const tokens = Math.min(contextTokens, facts.maxContext) * batch;
  // K and V, per layer, per KV head.
  const kvCache = 2 * facts.layers * facts.kvHeads * facts.headDim * KV_BYTES * tokens;
  const overhead = overheadBytes(weights);
  return {
    weightsGb: roundGb(weights / BYTES_PER_GB),
    kvCacheGb: roundGb(kvCache / BYTES_PER_GB),
    overheadGb: roundGb(overhead / BYTES_PER_GB),
    totalGb: roundGb((weights + kvCache + overhead) / BYTES_PER_GB),
  };
}

/**
 * Memory to fine-tune `facts` with `method` on `batch` sequences of `seqLen` tokens.
 * @default seqLen 2048, batch 1
 */
export function estimateTraining(facts: ModelFacts, method: TrainingMethod, { seqLen = 2048, batch = 1 } = {}): TrainingEstimate {
  const params = facts.totalParamsB * 1e9;
  const weights = params * BASE_BYTES[method];
  const trainableState = method === 'full' ? params * FULL_TRAINING_STATE_BYTES : params * ADAPTER_SHARE * ADAPTER_BYTES;
  const tokenWidth = seqLen * batch * facts.hiddenSize;
  const activations = tokenWidth * facts.layers * CHECKPOINT_BYTES + tokenWidth * RECOMPUTED_LAYER_BYTES;
  const overhead = overheadBytes(weights);
  return {
    weightsGb: roundGb(weights / BYTES_PER_GB),
    trainableStateGb: roundGb(trainableState / BYTES_PER_GB),
    activationsGb: roundGb(activations / BYTES_PER_GB),
    overheadGb: roundGb(overhead / BYTES_PER_GB),
    totalGb: roundGb((weights + trainableState + activations + overhead) / BYTES_PER_GB),
  };
}
