import type { ModelFacts } from './model-facts.js';

// How much GPU memory a model needs, from its facts alone, per GPU: placement is decided
// card by card, because each card must hold its own shard. GB are 1e9 bytes.
//
// Inference, per GPU, for a model tensor-parallel over N GPUs (how vLLM and SGLang shard):
//   weights / N
// + KV cache: 2 (K, V) × ceil(kv_heads / N) × head_dim × 2 bytes × (full-attention layers
//   × context + sliding-window layers × min(context, window)) × sequences
// + overhead: non-PyTorch memory + the forward pass's activation peak (see below).

export const TRAINING_METHODS = ['full', 'lora', 'qlora'] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

/** What a training estimate assumes, reported with it. */
export const TRAINING_DEFAULTS: { readonly seqLen: number; readonly batch: number } = { seqLen: 2048, batch: 1 };

export interface InferenceEstimate {
  /** GPUs the weights are sharded over. */
  readonly gpus: number;
  /** This GPU's share of the weights, GB. */
  readonly weightsGb: number;
  /** This GPU's share of the KV cache, GB. */
  readonly kvCacheGb: number;
  /** Per GPU, GB. */
  readonly overheadGb: number;
  /** Per GPU, GB: the sum of the three, taken before rounding. */
  readonly totalGb: number;
  /** Per GPU, bytes, unrounded: what placement compares. */
  readonly bytesPerGpu: number;
}

export interface TrainingEstimate {
  readonly weightsGb: number;
  /** Gradients and optimizer state of the trained parameters (all of them, or the adapter). */
  readonly trainableStateGb: number;
  readonly activationsGb: number;
  readonly overheadGb: number;
  readonly totalGb: number;
  /** Whole job, bytes, unrounded. */
  readonly bytes: number;
}

export interface InferenceOptions {
  /** Tokens per sequence, clamped to the model's context. @default 8192 */
  readonly contextTokens?: number;
  /** Concurrent sequences. @default 1 */
  readonly batch?: number;
  /** GPUs of the spec (tensor parallelism). @default 1 */
  readonly gpus?: number;
}

const BYTES_PER_GB = 1e9;
const GIB = 2 ** 30;

const WEIGHT_BYTES: Record<ModelFacts['weightDtype'], number> = {
  bf16: 2,
  fp16: 2,
  fp8: 1,
  // 4-bit values plus one shared 8-bit scale per 32-value block (OCP MX spec): 4.25 bits.
  mxfp4: 4.25 / 8,
};

// Engines keep the KV cache in 16 bits unless told otherwise (vLLM kv_cache_dtype "auto").
const KV_BYTES = 2;

// Per-GPU overhead, from vLLM's own memory profiler, which reports what it reserves
// besides weights and KV cache ("Memory profiling results", vllm/worker/worker.py):
// - non_torch_memory (cuBLAS and NCCL workspaces, buffers outside PyTorch's allocator):
//   0.20 GiB on each of the tensor-parallel workers of vllm-project/vllm#14447 (April
//   2025) and 0.16 GiB on one H100 in vllm-project/vllm#12126 (January 2025). The
//   December 2024 profiler of vllm-project/vllm#10511 counted 1.79 GiB (one H100) and
//   3.58 GiB (each of two); later versions no longer report that much.
const NON_TORCH_BYTES = 0.2 * GIB;
// - activation peak: 1.26 GiB for Meta-Llama-3-8B (hidden size 4096), the same on one
//   H100 and on each of two (vllm-project/vllm#10511): it does not shrink with tensor
//   parallelism, so it is charged per GPU, scaled with the model's hidden size.
const ACTIVATION_BYTES_PER_HIDDEN_UNIT = (1.26 * GIB) / 4096;

/** Output rounding only: sums and comparisons use the unrounded bytes. */
export function roundGb(gb: number): number {
  return Math.round(gb * 100) / 100;
}

function toGb(bytes: number): number {
  return roundGb(bytes / BYTES_PER_GB);
}

/** Weights of the whole model, bytes. */
export function weightBytes(facts: ModelFacts): number {
  return facts.checkpointGb !== undefined ? facts.checkpointGb * BYTES_PER_GB : facts.totalParamsB * 1e9 * WEIGHT_BYTES[facts.weightDtype];
}

/** Per-GPU overhead of serving `facts`, bytes. */
export function inferenceOverheadBytes(facts: ModelFacts): number {
  return NON_TORCH_BYTES + ACTIVATION_BYTES_PER_HIDDEN_UNIT * facts.hiddenSize;
}

/**
 * KV cache one GPU of `gpus` holds for `batch` sequences of `tokens` (already clamped).
 * Tensor parallelism splits KV heads over the GPUs; when there are fewer KV heads than
 * GPUs each GPU keeps a copy of one (vLLM replicates them).
 */
function kvCacheBytes(facts: ModelFacts, tokens: number, batch: number, gpus: number): number {
  const perLayerToken = 2 * Math.ceil(facts.kvHeads / gpus) * facts.headDim * KV_BYTES;
  const sliding = facts.slidingWindow;
  const slidingLayers = sliding?.layers ?? 0;
  const slidingTokens = sliding ? Math.min(tokens, sliding.tokens) : 0;
  return perLayerToken * ((facts.layers - slidingLayers) * tokens + slidingLayers * slidingTokens) * batch;
}

/** Memory one GPU needs to serve `facts` sharded over `gpus` GPUs. */
export function estimateInference(facts: ModelFacts, { contextTokens = 8192, batch = 1, gpus = 1 }: InferenceOptions = {}): InferenceEstimate {
  const weights = weightBytes(facts) / gpus;
  const kvCache = kvCacheBytes(facts, Math.min(contextTokens, facts.maxContext), batch, gpus);
  const overhead = inferenceOverheadBytes(facts);
  const bytesPerGpu = weights + kvCache + overhead;
  return { gpus, weightsGb: toGb(weights), kvCacheGb: toGb(kvCache), overheadGb: toGb(overhead), totalGb: toGb(bytesPerGpu), bytesPerGpu };
}

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

// Training's overhead: CUDA context, cuBLAS/NCCL workspaces and allocator fragmentation,
// about 1 GB plus 5 % of the frozen weights (no serving engine profiles this for us).
const TRAINING_FIXED_OVERHEAD_BYTES = 1e9;
const TRAINING_OVERHEAD_SHARE_OF_WEIGHTS = 0.05;

/**
 * Memory to fine-tune `facts` with `method` on `batch` sequences of `seqLen` tokens, for
 * the whole job: multi-GPU fine-tuning shards it evenly (FSDP/ZeRO-3).
 * @default seqLen 2048, batch 1 ({@link TRAINING_DEFAULTS})
 */
export function estimateTraining(facts: ModelFacts, method: TrainingMethod, { seqLen = TRAINING_DEFAULTS.seqLen, batch = TRAINING_DEFAULTS.batch } = {}): TrainingEstimate {
  const params = facts.totalParamsB * 1e9;
  const weights = params * BASE_BYTES[method];
  const trainableState = method === 'full' ? params * FULL_TRAINING_STATE_BYTES : params * ADAPTER_SHARE * ADAPTER_BYTES;
  const tokenWidth = seqLen * batch * facts.hiddenSize;
  const activations = tokenWidth * facts.layers * CHECKPOINT_BYTES + tokenWidth * RECOMPUTED_LAYER_BYTES;
  const overhead = TRAINING_FIXED_OVERHEAD_BYTES + TRAINING_OVERHEAD_SHARE_OF_WEIGHTS * weights;
  const bytes = weights + trainableState + activations + overhead;
  return { weightsGb: toGb(weights), trainableStateGb: toGb(trainableState), activationsGb: toGb(activations), overheadGb: toGb(overhead), totalGb: toGb(bytes), bytes };
}
