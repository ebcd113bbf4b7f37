import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ModelCatalog } from '../../src/catalog/model-catalog.js';
import type { ModelOverride } from '../../src/catalog/model-override.js';
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
