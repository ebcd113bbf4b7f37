/**
 * What the memory estimate needs to know about one model. Architecture figures are the
 * Hugging Face `config.json` fields (`num_hidden_layers`, `hidden_size`,
 * `num_attention_heads`, `num_key_value_heads`, `head_dim`, `max_position_embeddings`);
 * parameter counts are the model card's.
 */
export interface ModelFacts {
  /** Hugging Face repo id in its canonical case, e.g. `Qwen/Qwen3-0.6B`. */
  readonly id: string;
  /** Billions of parameters, embeddings included (what the model card calls the size). */
  readonly totalParamsB: number;
  /** Billions of parameters used per token; equals `totalParamsB` for dense models. */
  readonly activeParamsB: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** Longest context the engine serves without extra rope-scaling configuration. */
  readonly maxContext: number;
  /** Precision the weights are served in. */
  readonly weightDtype: 'bf16' | 'fp16' | 'fp8' | 'mxfp4';
  /**
   * Published checkpoint size, GB. Used for the weights when a dtype mix makes
   * params × bytes wrong (gpt-oss: MXFP4 experts, bf16 attention and embeddings).
   */
  readonly checkpointGb?: number;
  /**
   * Layers that attend only to the last `tokens` tokens (config.json `layer_types`
   * "sliding_attention" and `sliding_window`): their KV cache holds the window, not the
   * context. Absent: every layer attends to the whole context.
   */
  readonly slidingWindow?: { readonly layers: number; readonly tokens: number };
}

/** Dense models use every parameter for every token. */
function dense(facts: Omit<ModelFacts, 'activeParamsB'>): ModelFacts {
  return { ...facts, activeParamsB: facts.totalParamsB };
}

/** Post-trained releases keep the base model's architecture under a `-Instruct` id. */
function withInstruct(facts: ModelFacts): ModelFacts[] {
  return [facts, { ...facts, id: `${facts.id}-Instruct` }];
}

const GIB = 2 ** 30 / 1e9;

// Hugging Face config.json of Qwen/Qwen3-0.6B … Qwen/Qwen3-32B and Qwen/Qwen3-30B-A3B;
// sizes from their model cards. 40960 is config.json's max_position_embeddings (the
// cards' 131072 needs YaRN configured).
const QWEN3 = { headDim: 128, maxContext: 40_960, weightDtype: 'bf16' } as const;

// Hugging Face config.json of Qwen/Qwen2.5-0.5B-Instruct … Qwen/Qwen2.5-72B-Instruct;
// sizes from their model cards. 32768 is config.json's max_position_embeddings (the 7B+
// cards' 131072 needs YaRN configured).
const QWEN2_5 = { maxContext: 32_768, weightDtype: 'bf16' } as const;

// Hugging Face config.json and model cards of allenai/OLMo-2-0425-1B,
// allenai/OLMo-2-1124-7B and allenai/OLMo-2-1124-13B (full multi-head attention, 4096
// context). The checkpoints are float32; engines serve them at 16 bits.
const OLMO2 = { headDim: 128, maxContext: 4096, weightDtype: 'bf16' } as const;

// Hugging Face config.json of openai/gpt-oss-20b and openai/gpt-oss-120b; parameter
// counts and checkpoint sizes (12.8 GiB, 60.8 GiB) from OpenAI's gpt-oss model card.
// `layer_types` alternates sliding_attention and full_attention with sliding_window 128,
// so half of the layers keep 128 tokens of KV cache whatever the context.
const GPT_OSS = { hiddenSize: 2880, attentionHeads: 64, kvHeads: 8, headDim: 64, maxContext: 131_072, weightDtype: 'mxfp4' } as const;

// Hugging Face config.json and model cards of meta-llama/Llama-3.1-8B-Instruct and
// meta-llama/Llama-3.1-70B-Instruct.
const LLAMA3_1 = { kvHeads: 8, headDim: 128, maxContext: 131_072, weightDtype: 'bf16' } as const;

/** Built-in models; config can add more or replace any of these facts. */
export const MODEL_FACTS: readonly ModelFacts[] = [
  dense({ ...QWEN3, id: 'Qwen/Qwen3-0.6B', totalParamsB: 0.6, layers: 28, hiddenSize: 1024, attentionHeads: 16, kvHeads: 8 }),
  dense({ ...QWEN3, id: 'Qwen/Qwen3-1.7B', totalParamsB: 1.7, layers: 28, hiddenSize: 2048, attentionHeads: 16, kvHeads: 8 }),
  dense({ ...QWEN3, id: 'Qwen/Qwen3-4B', totalParamsB: 4.0, layers: 36, hiddenSize: 2560, attentionHeads: 32, kvHeads: 8 }),
  dense({ ...QWEN3, id: 'Qwen/Qwen3-8B', totalParamsB: 8.2, layers: 36, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8 }),
  dense({ ...QWEN3, id: 'Qwen/Qwen3-14B', totalParamsB: 14.8, layers: 40, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8 }),
  dense({ ...QWEN3, id: 'Qwen/Qwen3-32B', totalParamsB: 32.8, layers: 64, hiddenSize: 5120, attentionHeads: 64, kvHeads: 8 }),
  { ...QWEN3, id: 'Qwen/Qwen3-30B-A3B', totalParamsB: 30.5, activeParamsB: 3.3, layers: 48, hiddenSize: 2048, attentionHeads: 32, kvHeads: 4 },

  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-0.5B-Instruct', totalParamsB: 0.49, layers: 24, hiddenSize: 896, attentionHeads: 14, kvHeads: 2, headDim: 64 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-1.5B-Instruct', totalParamsB: 1.54, layers: 28, hiddenSize: 1536, attentionHeads: 12, kvHeads: 2, headDim: 128 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-3B-Instruct', totalParamsB: 3.09, layers: 36, hiddenSize: 2048, attentionHeads: 16, kvHeads: 2, headDim: 128 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-7B-Instruct', totalParamsB: 7.61, layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-14B-Instruct', totalParamsB: 14.7, layers: 48, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-32B-Instruct', totalParamsB: 32.5, layers: 64, hiddenSize: 5120, attentionHeads: 40, kvHeads: 8, headDim: 128 }),
  dense({ ...QWEN2_5, id: 'Qwen/Qwen2.5-72B-Instruct', totalParamsB: 72.7, layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128 }),

  ...withInstruct(dense({ ...OLMO2, id: 'allenai/OLMo-2-0425-1B', totalParamsB: 1.48, layers: 16, hiddenSize: 2048, attentionHeads: 16, kvHeads: 16 })),
  ...withInstruct(dense({ ...OLMO2, id: 'allenai/OLMo-2-1124-7B', totalParamsB: 7.3, layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 32 })),
  ...withInstruct(dense({ ...OLMO2, id: 'allenai/OLMo-2-1124-13B', totalParamsB: 13.7, layers: 40, hiddenSize: 5120, attentionHeads: 40, kvHeads: 40 })),

  { ...GPT_OSS, id: 'openai/gpt-oss-20b', totalParamsB: 20.9, activeParamsB: 3.6, layers: 24, checkpointGb: 12.8 * GIB, slidingWindow: { layers: 12, tokens: 128 } },
  { ...GPT_OSS, id: 'openai/gpt-oss-120b', totalParamsB: 116.8, activeParamsB: 5.1, layers: 36, checkpointGb: 60.8 * GIB, slidingWindow: { layers: 18, tokens: 128 } },

  dense({ ...LLAMA3_1, id: 'meta-llama/Llama-3.1-8B-Instruct', totalParamsB: 8.03, layers: 32, hiddenSize: 4096, attentionHeads: 32 }),
  dense({ ...LLAMA3_1, id: 'meta-llama/Llama-3.1-70B-Instruct', totalParamsB: 70.6, layers: 80, hiddenSize: 8192, attentionHeads: 64 }),
];
