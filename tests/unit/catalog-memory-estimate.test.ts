import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { estimateInference, estimateTraining, roundGb, TRAINING_METHODS } from '../../src/catalog/memory-estimate.js';
import { MODEL_FACTS, type ModelFacts } from '../../src/catalog/model-facts.js';

function facts(id: string): ModelFacts {
  const found = MODEL_FACTS.find((entry) => entry.id === id);
  assert.ok(found, id);
  return found;
}

const qwen06 = facts('Qwen/Qwen3-0.6B');

describe('inference estimate', () => {
  test('the KV cache of Qwen3-0.6B at 8192 tokens matches the hand calculation', () => {
    // 2 (K and V) × 28 layers × 8 KV heads × 128 head dim × 2 bytes = 114,688 bytes per token;
    // × 8192 tokens = 939,524,096 bytes = 0.94 GB.
    assert.equal(estimateInference(qwen06).kvCacheGb, 0.94);
    // Two sequences double it: 1,879,048,192 bytes.
    assert.equal(estimateInference(qwen06, { batch: 2 }).kvCacheGb, 1.88);
  });

  test('the context is clamped to the model\'s own maximum', () => {
    // 114,688 bytes × 40,960 tokens = 4,697,620,480 bytes.
    assert.equal(estimateInference(qwen06, { contextTokens: 1_000_000 }).kvCacheGb, 4.7);
  });

  test('weights are params × bytes of the dtype; overhead is non-PyTorch memory plus an activation peak that grows with the hidden size', () => {
    const estimate = estimateInference(qwen06);
    assert.equal(estimate.weightsGb, 1.2);
    // 0.2 GiB + 1.26 GiB × 1024 / 4096 = 214,748,365 + 338,228,674 bytes.
    assert.equal(estimate.overheadGb, 0.55);
    // 1.2e9 + 939,524,096 + 552,977,039 bytes.
    assert.equal(estimate.totalGb, 2.69);
    assert.equal(estimateInference(facts('Qwen/Qwen2.5-72B-Instruct')).overheadGb, 2.92);
  });

  test('on N GPUs each holds 1/N of the weights and of the KV heads, and its own overhead', () => {
    const llama = facts('meta-llama/Llama-3.1-70B-Instruct');
    const one = estimateInference(llama);
    const four = estimateInference(llama, { gpus: 4 });
    assert.equal(four.gpus, 4);
    assert.equal(four.weightsGb, 35.3);
    assert.equal(four.kvCacheGb, roundGb(one.kvCacheGb / 4));
    assert.equal(four.overheadGb, one.overheadGb);
  });

  test('with fewer KV heads than GPUs every GPU keeps one whole KV head', () => {
    const small = facts('Qwen/Qwen2.5-1.5B-Instruct');
    assert.equal(small.kvHeads, 2);
    // 2 (K and V) × 1 head × 128 × 2 bytes × 28 layers × 8192 tokens = 117,440,512 bytes,
    // on 2 GPUs and on 4 alike (not half of that on 4).
    assert.equal(estimateInference(small, { gpus: 4 }).kvCacheGb, 0.12);
    assert.equal(estimateInference(small, { gpus: 2 }).kvCacheGb, 0.12);
  });

  test('sliding-window layers keep their window, not the context: gpt-oss-120b at 131,072 tokens', () => {
    const gptOss = facts('openai/gpt-oss-120b');
    // 18 full layers × 2 × 8 heads × 64 × 2 bytes × 131,072 tokens = 4,831,838,208 bytes, plus
    // 18 sliding layers × 2,048 bytes × 128 tokens = 4,718,592 bytes.
    assert.equal(estimateInference(gptOss, { contextTokens: 131_072 }).kvCacheGb, 4.84);
    const everyLayerFull = { ...gptOss, slidingWindow: undefined };
    assert.equal(estimateInference(everyLayerFull, { contextTokens: 131_072 }).kvCacheGb, 9.66);
    // Below the window the two agree.
    assert.equal(estimateInference(gptOss, { contextTokens: 100 }).kvCacheGb, estimateInference(everyLayerFull, { contextTokens: 100 }).kvCacheGb);
  });

  test('fp8 and mxfp4 weights take 1 and 4.25/8 bytes per parameter', () => {
    assert.equal(estimateInference({ ...qwen06, weightDtype: 'fp8' }).weightsGb, 0.6);
    assert.equal(estimateInference({ ...qwen06, totalParamsB: 8, weightDtype: 'mxfp4' }).weightsGb, 4.25);
  });

  test('gpt-oss weights come from the published checkpoint size, not params × bytes', () => {
    // OpenAI's model card: 12.8 GiB and 60.8 GiB.
    assert.equal(estimateInference(facts('openai/gpt-oss-20b')).weightsGb, 13.74);
    assert.equal(estimateInference(facts('openai/gpt-oss-120b')).weightsGb, 65.28);
  });

  test('the total is summed before rounding, and the unrounded bytes are kept for comparisons', () => {
    for (const entry of MODEL_FACTS) {
      const estimate = estimateInference(entry);
      assert.ok(Math.abs(estimate.weightsGb + estimate.kvCacheGb + estimate.overheadGb - estimate.totalGb) <= 0.015, entry.id);
      assert.equal(roundGb(estimate.bytesPerGpu / 1e9), estimate.totalGb, entry.id);
    }
  });
});

describe('training estimate', () => {
  test('full fine-tuning needs more than LoRA, which needs more than QLoRA, for every model', () => {
    for (const entry of MODEL_FACTS) {
      const [full, lora, qlora] = TRAINING_METHODS.map((method) => estimateTraining(entry, method).totalGb);
      assert.ok(full! > lora! && lora! > qlora!, `${entry.id}: ${full} > ${lora} > ${qlora}`);
    }
  });

  test('full fine-tuning keeps 16 bytes per parameter: bf16 weights plus 14 bytes of gradients and Adam state', () => {
    const estimate = estimateTraining(facts('Qwen/Qwen3-8B'), 'full');
    assert.equal(estimate.weightsGb, 16.4);
    assert.equal(estimate.trainableStateGb, 114.8);
  });

  test('LoRA keeps a bf16 base and QLoRA a 4-bit one, both with a 1 % adapter at 16 bytes per parameter', () => {
    const lora = estimateTraining(facts('Qwen/Qwen3-8B'), 'lora');
    const qlora = estimateTraining(facts('Qwen/Qwen3-8B'), 'qlora');
    assert.equal(lora.weightsGb, 16.4);
    assert.equal(qlora.weightsGb, 4.51);
    assert.equal(lora.trainableStateGb, 1.31);
    assert.equal(qlora.trainableStateGb, 1.31);
  });

  test('gpt-oss is trained against dequantised bf16 weights, not its MXFP4 checkpoint', () => {
    assert.equal(estimateTraining(facts('openai/gpt-oss-20b'), 'lora').weightsGb, 41.8);
  });

  test('activations follow the checkpointing formula and grow with sequence length', () => {
    const qwen8 = facts('Qwen/Qwen3-8B');
    // 2048 × 4096 × (36 layers × 4 bytes + 34 bytes) = 1,493,172,224 bytes.
    assert.equal(estimateTraining(qwen8, 'lora').activationsGb, 1.49);
    assert.equal(estimateTraining(qwen8, 'lora', { seqLen: 4096 }).activationsGb, 2.99);
    assert.equal(estimateTraining(qwen8, 'lora', { batch: 2 }).activationsGb, 2.99);
  });
});
