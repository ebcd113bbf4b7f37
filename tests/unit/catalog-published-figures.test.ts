import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkFit, largestContext } from '../../src/catalog/check-fit.js';
import { estimateInference } from '../../src/catalog/memory-estimate.js';
import { MODEL_FACTS, type ModelFacts } from '../../src/catalog/model-facts.js';
import { parseGpuSpec, type GpuSpec } from '../../src/gpu/gpu-spec.js';

// The estimate held against published figures (issue 13 §6). Every row names its source.
// Figures read as GiB are converted to GB (× 1.073741824).

function facts(id: string): ModelFacts {
  const found = MODEL_FACTS.find((entry) => entry.id === id);
  assert.ok(found, id);
  return found;
}

function spec(text: string): GpuSpec {
  const result = parseGpuSpec(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.spec;
}

const GIB = 2 ** 30 / 1e9;

interface Footprint {
  model: string;
  gpus: number;
  contextTokens: number;
  measuredGb: number;
  /** Allowed relative error. */
  tolerance: number;
}

// Qwen2.5 Speed Benchmark (QwenLM/Qwen2.5 docs/source/benchmark/speed_benchmark.rst): BF16,
// Hugging Face transformers on A100 80GB, batch 1, "GPU Memory(GB)" while generating 2048
// tokens after inputs of 1, 6144 and 14336 tokens, i.e. contexts of 2049, 8192 and 16384.
// The figures are GiB: 0.5B's 0.97 is below its 0.99 GB of weights. The 72B ran on 2 GPUs
// (device_map, whole-model total).
//
// Left out: the 30720-token inputs of models under 14B. transformers prefills those 30k
// tokens in one forward pass, so its peak holds activations for all of them (7B: 21.44 GB
// measured, 18.50 estimated, -13.7 %); a serving engine prefills in chunks
// (max_num_batched_tokens) and reserves one chunk's activations, which is what we model.
const QWEN25_TRANSFORMERS: Footprint[] = [
  ...([
    ['Qwen/Qwen2.5-7B-Instruct', [14.38, 15.38, 16.91]],
    ['Qwen/Qwen2.5-14B-Instruct', [28.08, 29.5, 31.95, 36.85]],
    ['Qwen/Qwen2.5-32B-Instruct', [61.58, 63.72, 67.31, 74.47]],
  ] as const).flatMap(([model, gib]) =>
    gib.map((measured, i) => ({ model, gpus: 1, contextTokens: [2049, 8192, 16384, 32768][i]!, measuredGb: measured * GIB, tolerance: 0.1 })),
  ),
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpus: 2, contextTokens: 2049, measuredGb: 136.2 * GIB, tolerance: 0.1 },
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpus: 2, contextTokens: 8192, measuredGb: 140.0 * GIB, tolerance: 0.1 },
  // Under 7B the goal does not hold us to ±10 %: transformers' peak has no CUDA-side
  // workspaces, which weigh more next to small weights (0.5B at 8192: +20 %).
  ...([
    ['Qwen/Qwen2.5-0.5B-Instruct', [1.23, 1.6]],
    ['Qwen/Qwen2.5-1.5B-Instruct', [3.43, 4.16]],
    ['Qwen/Qwen2.5-3B-Instruct', [6.59, 7.47]],
  ] as const).flatMap(([model, gib]) =>
    gib.map((measured, i) => ({ model, gpus: 1, contextTokens: [8192, 16384][i]!, measuredGb: measured * GIB, tolerance: 0.25 })),
  ),
];

describe('the estimate against published memory footprints', () => {
  for (const row of QWEN25_TRANSFORMERS) {
    test(`${row.model} on ${row.gpus} GPU(s) at ${row.contextTokens} tokens: measured ${row.measuredGb.toFixed(2)} GB, estimate within ±${row.tolerance * 100} %`, () => {
      const estimate = (estimateInference(facts(row.model), { contextTokens: row.contextTokens, gpus: row.gpus }).bytesPerGpu * row.gpus) / 1e9;
      const error = estimate / row.measuredGb - 1;
      assert.ok(Math.abs(error) <= row.tolerance, `estimate ${estimate.toFixed(2)} GB is ${(error * 100).toFixed(1)} % off`);
    });
  }

  test('Llama-3-8B on one H100 under vLLM: weights + non-PyTorch + activation peak within ±10 %', () => {
    // vllm-project/vllm#10511 (December 2024), `vllm serve meta-llama/Meta-Llama-3-8B`:
    // model weights 14.96 GiB, non_torch_memory 1.79 GiB, activation peak 1.26 GiB; the
    // rest went to the KV cache, so the KV cache is left out here (context 0).
    // Llama-3.1-8B-Instruct has the same shape.
    const measured = (14.96 + 1.79 + 1.26) * GIB;
    const estimate = estimateInference(facts('meta-llama/Llama-3.1-8B-Instruct'), { contextTokens: 0 }).bytesPerGpu / 1e9;
    assert.ok(Math.abs(estimate / measured - 1) <= 0.1, `${estimate.toFixed(2)} GB against ${measured.toFixed(2)} GB`);
  });

  test('gpt-oss-20b at 8192 tokens stays under the 16 GB OpenAI says it runs in', () => {
    // OpenAI, "Introducing gpt-oss" (August 2025): gpt-oss-20b "can run on edge devices
    // with just 16 GB of memory".
    assert.ok(estimateInference(facts('openai/gpt-oss-20b'), { contextTokens: 8192 }).totalGb < 16);
  });
});

interface Deployment {
  model: string;
  gpu: string;
  contextTokens: number;
  memoryUtilization: number;
  fits: boolean;
}

// Each deployment a publication settles: it ran (fits) or the publisher had to go larger (not).
const DEPLOYMENTS: Deployment[] = [
  // Qwen2.5 Speed Benchmark, vLLM 0.6.3 on A100 80GB, which runs each case on "the least
  // number of GPUs possible". 72B BF16: 2 GPUs with "Setting 1" (gpu_memory_utilization
  // 0.98, max_model_len 4096), 4 GPUs with the default (0.9, max_model_len 32768), so 2
  // were too few for the default.
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB:2', contextTokens: 4096, memoryUtilization: 0.98, fits: true },
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB:4', contextTokens: 32_768, memoryUtilization: 0.9, fits: true },
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB:2', contextTokens: 32_768, memoryUtilization: 0.9, fits: false },
  // Same table: 32B BF16 on 1 GPU with "Setting 1" (utilization 1.0, max_model_len 32768);
  // 7B and 14B on 1 GPU with the default.
  { model: 'Qwen/Qwen2.5-32B-Instruct', gpu: 'A100-80GB', contextTokens: 32_768, memoryUtilization: 1.0, fits: true },
  { model: 'Qwen/Qwen2.5-14B-Instruct', gpu: 'A100-80GB', contextTokens: 32_768, memoryUtilization: 0.9, fits: true },
  { model: 'Qwen/Qwen2.5-7B-Instruct', gpu: 'A100-80GB', contextTokens: 32_768, memoryUtilization: 0.9, fits: true },
  // GPUStack performance lab, "Optimizing Qwen3-32B Throughput on NVIDIA A100 GPUs": vLLM
  // v0.11.0 baseline on a single A100 SXM 80GB, including 32,000-token prompts + 100 output
  // tokens. The page does not give max_model_len, so this settles 32,100 tokens, not more.
  { model: 'Qwen/Qwen3-32B', gpu: 'A100-80GB', contextTokens: 32_100, memoryUtilization: 0.9, fits: true },
  // Issue 13: "vLLM serves [Qwen3-32B] on one H100 with a 32k context" (65.5 GB of weights
  // on 81,559 MiB). Taken from the issue; we did not find the deployment page itself, and
  // AIMultiple's quantization benchmark (aimultiple.com/llm-quantization) saw only ~17K
  // tokens of KV capacity for BF16 Qwen3-32B on one H100 under vLLM, settings not given.
  // The least certain row: the estimate leaves 0.9 GB to spare here.
  { model: 'Qwen/Qwen3-32B', gpu: 'H100', contextTokens: 32_768, memoryUtilization: 0.9, fits: true },
  // OpenAI's gpt-oss model card: gpt-oss-120b runs on a single 80 GB GPU; vLLM's gpt-oss
  // recipe serves it on one H100 at its full 131,072-token context.
  { model: 'openai/gpt-oss-120b', gpu: 'H100', contextTokens: 131_072, memoryUtilization: 0.9, fits: true },
  // Weights alone: 145.4 GB and 141.2 GB of bf16 weights against one 80 GB card.
  { model: 'Qwen/Qwen2.5-72B-Instruct', gpu: 'A100-80GB', contextTokens: 4096, memoryUtilization: 0.98, fits: false },
  { model: 'meta-llama/Llama-3.1-70B-Instruct', gpu: 'H100', contextTokens: 4096, memoryUtilization: 0.9, fits: false },
];

describe('the decision against published deployments', () => {
  for (const row of DEPLOYMENTS) {
    test(`${row.model} on ${row.gpu} at ${row.contextTokens} tokens, utilization ${row.memoryUtilization}: ${row.fits ? 'fits' : 'does not fit'}`, () => {
      const report = checkFit(facts(row.model), spec(row.gpu), { task: 'inference', method: 'lora', contextTokens: row.contextTokens, memoryUtilization: row.memoryUtilization });
      assert.equal(report.fits, row.fits, report.reasons.join('; ') || `needs ${report.perGpu.requiredGb} of ${report.perGpu.availableGb} GB per GPU`);
      const longest = largestContext(facts(row.model), spec(row.gpu), row.memoryUtilization);
      assert.equal(longest >= Math.min(row.contextTokens, facts(row.model).maxContext), row.fits, `largest context ${longest}`);
    });
  }
});
