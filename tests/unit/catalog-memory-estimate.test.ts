import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { estimateInference, estimateTraining, TRAINING_METHODS } from '../../src/catalog/memory-estimate.js';
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

  test('weights are params × bytes of the dtype, and overhead is 1 GB plus 5 % of them', () => {
    const estimate = estimateInference(qwen06);
    assert.equal(estimate.weightsGb, 1.2);
    assert.equal(estimate.overheadGb, 1.06);
    // 1.2e9 + 939,524,096 + 1.06e9 bytes.
    assert.equal(estimate.totalGb, 3.2);
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

  test('the total is summed before rounding', () => {
    for (const entry of MODEL_FACTS) {
      const estimate = estimateInference(entry);
      assert.ok(Math.abs(estimate.weightsGb + estimate.kvCacheGb + estimate.overheadGb - estimate.totalGb) <= 0.015, entry.id);
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
