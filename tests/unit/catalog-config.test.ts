import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ModelCatalog } from '../../src/catalog/model-catalog.js';
import type { ModelOverride } from '../../src/catalog/model-override.js';
import { configSchema } from '../../src/config/config-schema.js';
import { DEFAULT_ALLOWED_GPUS } from '../../src/gpu/allow-list.js';
import { parseGpuSpec, type GpuSpec } from '../../src/gpu/gpu-spec.js';

function spec(text: string): GpuSpec {
  const result = parseGpuSpec(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.spec;
}

function catalogWith(models: Record<string, ModelOverride>): ModelCatalog {
  return new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS, models });
}

function canonicals(specs: readonly GpuSpec[] | undefined): string[] {
  return (specs ?? []).map((s) => s.canonical);
}

describe('config overrides of a built-in model', () => {
  test('fits() follows an explicit list: a listed spec is allowed even past the estimate, an unlisted one is refused', () => {
    const catalog = catalogWith({ 'meta-llama/Llama-3.1-70B-Instruct': { inference_gpus: ['H100'] } });
    const llama = catalog.resolve('meta-llama/Llama-3.1-70B-Instruct');
    assert.ok(llama);
    const listed = catalog.fits(llama, spec('H100'), 'inference');
    assert.equal(listed.fits, true);
    assert.ok(listed.requiredGb !== undefined && listed.requiredGb > listed.availableGb);
    const unlisted = catalog.fits(llama, spec('H100:8'), 'inference');
    assert.equal(unlisted.fits, false);
    assert.match(unlisted.reasons[0] ?? '', /config limits .* to its inference_gpus: H100$/);
  });

  test('inference_gpus replaces the computed list, normalised and cheapest first', () => {
    const catalog = catalogWith({ 'Qwen/Qwen3-0.6B': { inference_gpus: ['h100:2', 'l40s', 'L40S'] } });
    const qwen = catalog.resolve('Qwen/Qwen3-0.6B');
    assert.deepEqual(canonicals(qwen?.inferenceGpus), ['L40S', 'H100:2']);
    assert.equal(qwen?.defaultGpu?.canonical, 'L40S');
  });

  test('an explicit list is the operator\'s decision, so it may name specs outside the allow-list', () => {
    const catalog = new ModelCatalog({ allowList: [spec('L4')], models: { 'Qwen/Qwen3-0.6B': { inference_gpus: ['B200'] } } });
    assert.deepEqual(canonicals(catalog.resolve('Qwen/Qwen3-0.6B')?.inferenceGpus), ['B200']);
  });

  test('training_gpus replaces the computed training list and leaves inference alone', () => {
    const catalog = catalogWith({ 'Qwen/Qwen3-8B': { training_gpus: ['H100:8'] } });
    const qwen = catalog.resolve('Qwen/Qwen3-8B');
    assert.deepEqual(canonicals(qwen?.trainingGpus), ['H100:8']);
    assert.equal(qwen?.defaultGpu?.canonical, 'L4');
  });

  test('default_gpu picks the default among the inference GPUs', () => {
    const catalog = catalogWith({ 'Qwen/Qwen3-0.6B': { default_gpu: 'l40s' } });
    assert.equal(catalog.resolve('Qwen/Qwen3-0.6B')?.defaultGpu?.canonical, 'L40S');
  });

  test('the config key may use any case and still overrides the built-in model', () => {
    const catalog = catalogWith({ 'qwen/qwen3-0.6b': { default_gpu: 'A100' } });
    const qwen = catalog.resolve('Qwen/Qwen3-0.6B');
    assert.equal(qwen?.id, 'Qwen/Qwen3-0.6B');
    assert.equal(qwen?.defaultGpu?.canonical, 'A100');
  });

  test('facts replace the built-in figures and the lists are computed from them', () => {
    const builtIn = catalogWith({}).resolve('Qwen/Qwen3-0.6B');
    const catalog = catalogWith({ 'Qwen/Qwen3-0.6B': { facts: { ...builtIn!.facts!, totalParamsB: 60 } } });
    const bigger = catalog.resolve('Qwen/Qwen3-0.6B');
    assert.equal(bigger?.facts?.id, 'Qwen/Qwen3-0.6B');
    assert.ok(!canonicals(bigger?.inferenceGpus).includes('A10G'));
  });
});

describe('config errors stop start-up and name the key', () => {
  test('a GPU spec that does not parse names the model, the list and the index', () => {
    assert.throws(
      () => catalogWith({ 'Qwen/Qwen3-0.6B': { inference_gpus: ['L40S', 'X100'] } }),
      /^Error: models\."Qwen\/Qwen3-0\.6B"\.inference_gpus\[1\]: Unknown GPU type: X100\. Known types: A10G, /,
    );
    assert.throws(() => catalogWith({ 'Qwen/Qwen3-0.6B': { training_gpus: ['H100:3'] } }), /models\."Qwen\/Qwen3-0\.6B"\.training_gpus\[0\]: GPU count/);
  });

  test('a default_gpu outside the inference GPUs is refused and the allowed ones are listed', () => {
    assert.throws(
      () => catalogWith({ 'Qwen/Qwen3-0.6B': { inference_gpus: ['L40S', 'A100'], default_gpu: 'H100' } }),
      /models\."Qwen\/Qwen3-0\.6B"\.default_gpu: H100 is not one of the model's inference GPUs \(L40S, A100\)/,
    );
    assert.throws(() => catalogWith({ 'Qwen/Qwen3-0.6B': { default_gpu: 'nope!' } }), /models\."Qwen\/Qwen3-0\.6B"\.default_gpu: GPU spec is not of the form/);
  });

  test('a default_gpu the model does not fit on is refused', () => {
    assert.throws(() => catalogWith({ 'meta-llama/Llama-3.1-70B-Instruct': { default_gpu: 'H100' } }), /default_gpu: H100 is not one of/);
  });

  test('a new model with neither facts nor inference_gpus is refused', () => {
    assert.throws(() => catalogWith({ 'acme/mystery-7b': { default_gpu: 'L40S' } }), /models\."acme\/mystery-7b": .*needs "facts".*or "inference_gpus"/);
  });

  test('the same model configured twice in different case is refused', () => {
    assert.throws(() => catalogWith({ 'Qwen/Qwen3-0.6B': {}, 'qwen/qwen3-0.6b': {} }), /models\."qwen\/qwen3-0\.6b": the same model is configured twice/);
  });

  test('a fine-tune id as a config key is refused, since fine-tunes follow their base model', () => {
    assert.throws(() => catalogWith({ 'ft:Qwen/Qwen3-0.6B:x': { default_gpu: 'L4' } }), /configure the base model Qwen\/Qwen3-0\.6B/);
  });
});

describe('models that config adds', () => {
  const facts = {
    totalParamsB: 7,
    activeParamsB: 7,
    layers: 32,
    hiddenSize: 4096,
    attentionHeads: 32,
    kvHeads: 8,
    headDim: 128,
    maxContext: 32_768,
    weightDtype: 'bf16',
  } as const;

  test('a model added with facts is sized like a built-in one and keeps its configured spelling', () => {
    const catalog = catalogWith({ 'acme/Widget-7B': { facts } });
    const widget = catalog.resolve('ACME/widget-7b');
    assert.equal(widget?.id, 'acme/Widget-7B');
    assert.equal(widget?.facts?.id, 'acme/Widget-7B');
    assert.equal(widget?.defaultGpu?.canonical, 'L4');
    assert.equal(catalog.resolve('ft:acme/widget-7b:v2'), widget);
    assert.equal(catalog.list().at(-1), widget);
  });

  test('a model added with only inference_gpus has no facts, and fits() follows the list', () => {
    const catalog = catalogWith({ 'acme/opaque': { inference_gpus: ['H100', 'L40S:2'] } });
    const opaque = catalog.resolve('acme/opaque');
    assert.ok(opaque);
    assert.equal(opaque.facts, undefined);
    assert.deepEqual(canonicals(opaque.inferenceGpus), ['L40S:2', 'H100']);
    assert.deepEqual(opaque.trainingGpus, []);

    const listed = catalog.fits(opaque, spec('H100'), 'inference');
    // 81,559 MiB × 0.9 = 76.97 GB usable.
    assert.deepEqual(listed, { fits: true, requiredGb: undefined, availableGb: 76.97, perGpu: { requiredGb: undefined, availableGb: 76.97 }, reasons: [] });

    const unlisted = catalog.fits(opaque, spec('A10G'), 'inference');
    assert.equal(unlisted.fits, false);
    assert.match(unlisted.reasons[0] ?? '', /config limits acme\/opaque to its inference_gpus: L40S:2, H100/);
    assert.match(catalog.fits(opaque, spec('H100'), 'training').reasons[0] ?? '', /no size facts and no training_gpus configured/);
  });
});

describe('config keys the estimate reads', () => {
  test('gpus.memory_utilization defaults to 0.9 and decides what each card offers', () => {
    assert.equal(configSchema.parse({}).gpus.memory_utilization, 0.9);
    const { gpus } = configSchema.parse({ gpus: { memory_utilization: 0.98 } });
    // Qwen2.5-72B on two A100-80GB at 4096 tokens: Qwen ran it with gpu_memory_utilization 0.98.
    const roomy = new ModelCatalog({ allowList: [spec('A100-80GB:2')], contextTokens: 4096, memoryUtilization: gpus.memory_utilization });
    const qwen = roomy.resolve('Qwen/Qwen2.5-72B-Instruct');
    assert.ok(qwen);
    assert.equal(roomy.fits(qwen, spec('A100-80GB:2'), 'inference').perGpu.availableGb, 84.18);
    const tight = new ModelCatalog({ allowList: [spec('A100-80GB:2')], contextTokens: 32_768 });
    assert.deepEqual(tight.resolve('Qwen/Qwen2.5-72B-Instruct')?.inferenceGpus, []);
  });

  test('gpus.memory_utilization outside (0, 1] is refused with the key named', () => {
    for (const value of [0, 1.2, -0.5]) {
      const result = configSchema.safeParse({ gpus: { memory_utilization: value } });
      assert.equal(result.success, false);
      assert.deepEqual(result.error?.issues[0]?.path, ['gpus', 'memory_utilization']);
    }
  });

  test('facts may name sliding-window layers, which the KV cache counts at their window', () => {
    const base = { total_params_b: 20, layers: 24, hidden_size: 2880, attention_heads: 64, kv_heads: 8, head_dim: 64, max_context: 131_072 };
    const parsed = configSchema.parse({ models: { 'acme/windowed': { facts: { ...base, sliding_window: { layers: 12, tokens: 128 } } }, 'acme/full': { facts: base } } });
    const catalog = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS, models: parsed.models });
    const windowed = catalog.resolve('acme/windowed');
    const full = catalog.resolve('acme/full');
    assert.deepEqual(windowed?.facts?.slidingWindow, { layers: 12, tokens: 128 });
    assert.ok(windowed && full && catalog.maxContextTokens(windowed, spec('L40S'))! > catalog.maxContextTokens(full, spec('L40S'))!);
    const tooMany = configSchema.safeParse({ models: { 'acme/x': { facts: { ...base, sliding_window: { layers: 25, tokens: 128 } } } } });
    assert.match(tooMany.error?.issues[0]?.message ?? '', /sliding_window\.layers cannot exceed layers/);
  });
});
