import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { baseModelId } from '../../src/catalog/base-model-id.js';
import { ModelCatalog, type CatalogModel } from '../../src/catalog/model-catalog.js';
import { byPrice, DEFAULT_ALLOWED_GPUS } from '../../src/gpu/allow-list.js';
import { parseGpuSpec, type GpuSpec } from '../../src/gpu/gpu-spec.js';

function spec(text: string): GpuSpec {
  const result = parseGpuSpec(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.spec;
}

function canonicals(specs: readonly GpuSpec[]): string[] {
  return specs.map((s) => s.canonical);
}

const catalog = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS });

function model(id: string): CatalogModel {
  const found = catalog.resolve(id);
  assert.ok(found, `${id} is in the catalog`);
  return found;
}

describe('which GPUs a model may use', () => {
  for (const gpu of ['A10G', 'L40S', 'A100', 'H100:2']) {
    test(`Qwen3-0.6B may serve on ${gpu} with the default allow-list`, () => {
      const qwen = model('Qwen/Qwen3-0.6B');
      assert.ok(canonicals(qwen.inferenceGpus).includes(gpu));
      assert.equal(catalog.fits(qwen, spec(gpu), 'inference').fits, true);
    });
  }

  test('Llama-3.1-70B is refused on one H100 and the reason says how many GB it needs and gets', () => {
    const llama = model('meta-llama/Llama-3.1-70B-Instruct');
    assert.ok(!canonicals(llama.inferenceGpus).includes('H100'));
    const report = catalog.fits(llama, spec('H100'), 'inference');
    assert.equal(report.fits, false);
    assert.ok(report.requiredGb !== undefined && report.requiredGb > 140);
    // nvidia-smi's 81,559 MiB × 0.9.
    assert.equal(report.availableGb, 76.97);
    assert.equal(report.reasons.length, 1);
    assert.match(report.reasons[0] ?? '', new RegExp(`needs ${report.requiredGb} GB .* H100 offers 76\\.97 GB usable \\(81559 MiB × 0\\.9\\)`));
  });

  test('on several GPUs each card must hold its shard, and the reason says so per GPU', () => {
    const llama = model('meta-llama/Llama-3.1-70B-Instruct');
    const four = catalog.fits(llama, spec('H100:4'), 'inference');
    assert.equal(four.fits, true);
    assert.equal(four.availableGb, 307.87);
    assert.equal(four.perGpu.availableGb, 76.97);
    // A quarter of 141.2 GB of weights, a quarter of the KV heads, the whole per-GPU overhead.
    assert.ok(four.perGpu.requiredGb !== undefined && four.perGpu.requiredGb > 141.2 / 4 && four.perGpu.requiredGb < 141.2 / 4 + 5);
    const l4s = catalog.fits(llama, spec('L4:4'), 'inference');
    assert.equal(l4s.fits, false);
    assert.match(l4s.reasons[0] ?? '', /needs [\d.]+ GB per GPU .* L4:4 offers 21\.74 GB usable per GPU \(23034 MiB × 0\.9\)/);
  });

  test('a spec whose GPU count does not divide the attention heads is excluded, even with memory to spare', () => {
    const small = model('Qwen/Qwen2.5-0.5B-Instruct');
    assert.equal(small.facts?.attentionHeads, 14);
    const allowed = canonicals(small.inferenceGpus);
    assert.ok(allowed.includes('H100:2'));
    for (const gpu of ['H100:4', 'H100:8', 'L40S:4', 'A10G:4']) {
      assert.ok(!allowed.includes(gpu), `${gpu} is excluded`);
      const report = catalog.fits(small, spec(gpu), 'inference');
      assert.equal(report.fits, false);
      assert.match(report.reasons.join(' '), /14 attention heads/);
    }
  });

  test('training is not held to head divisibility, because fine-tuning shards parameters rather than heads', () => {
    const small = model('Qwen/Qwen2.5-0.5B-Instruct');
    assert.equal(catalog.fits(small, spec('H100:4'), 'training').fits, true);
  });

  test('only specs from the allow-list are allowed, and fits() says so for the others', () => {
    const narrow = new ModelCatalog({ allowList: [spec('L40S'), spec('H100:2')] });
    const qwen = narrow.resolve('Qwen/Qwen3-0.6B');
    assert.ok(qwen);
    assert.deepEqual(canonicals(qwen.inferenceGpus), ['L40S', 'H100:2']);
    const report = narrow.fits(qwen, spec('A10G'), 'inference');
    assert.equal(report.fits, false);
    assert.deepEqual(report.reasons, ["A10G is not in this gateway's GPU allow-list"]);
  });

  test('fits() agrees with the allowed lists for every model, spec and task', () => {
    for (const entry of catalog.list()) {
      for (const gpu of DEFAULT_ALLOWED_GPUS) {
        for (const task of ['inference', 'training'] as const) {
          const listed = canonicals(catalog.allowedGpus(entry, task)).includes(gpu.canonical);
          const report = catalog.fits(entry, gpu, task);
          assert.equal(report.fits, listed, `${entry.id} on ${gpu.canonical} for ${task}`);
          assert.equal(report.reasons.length === 0, listed);
        }
      }
    }
  });

  test('the lists are sorted cheapest first', () => {
    for (const entry of catalog.list()) {
      assert.deepEqual(canonicals(entry.inferenceGpus), canonicals([...entry.inferenceGpus].sort(byPrice)));
      assert.deepEqual(canonicals(entry.trainingGpus), canonicals([...entry.trainingGpus].sort(byPrice)));
    }
  });

  test('the default GPU is the cheapest allowed inference spec', () => {
    for (const entry of catalog.list()) {
      assert.equal(entry.defaultGpu, entry.inferenceGpus[0], entry.id);
    }
    assert.equal(model('Qwen/Qwen3-0.6B').defaultGpu?.canonical, 'L4');
  });

  test('a model that fits nowhere stays listed, with empty lists and no default', () => {
    const tiny = new ModelCatalog({ allowList: [spec('L4')] });
    const llama = tiny.resolve('meta-llama/Llama-3.1-70B-Instruct');
    assert.ok(llama);
    assert.deepEqual(llama.inferenceGpus, []);
    assert.equal(llama.defaultGpu, undefined);
  });

  test('allowedGpus picks the list for the task', () => {
    const qwen = model('Qwen/Qwen3-8B');
    assert.equal(catalog.allowedGpus(qwen, 'inference'), qwen.inferenceGpus);
    assert.equal(catalog.allowedGpus(qwen, 'training'), qwen.trainingGpus);
  });

  test('training specs are sized for LoRA unless a method is given', () => {
    const qwen = model('Qwen/Qwen3-8B');
    assert.equal(catalog.fits(qwen, spec('A10G'), 'training').fits, true);
    const full = catalog.fits(qwen, spec('A10G'), 'training', { method: 'full' });
    assert.equal(full.fits, false);
    assert.match(full.reasons[0] ?? '', /full training/);
    const fullCatalog = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS, trainingMethod: 'full' });
    assert.ok(!canonicals(fullCatalog.resolve('Qwen/Qwen3-8B')?.trainingGpus ?? []).includes('A10G'));
  });

  test('a longer context needs more memory and can rule specs out', () => {
    const long = new ModelCatalog({ allowList: DEFAULT_ALLOWED_GPUS, contextTokens: 131_072 });
    assert.ok(canonicals(model('meta-llama/Llama-3.1-8B-Instruct').inferenceGpus).includes('L4'));
    assert.ok(!canonicals(long.resolve('meta-llama/Llama-3.1-8B-Instruct')?.inferenceGpus ?? []).includes('L4'));
  });
});

describe('looking a model up', () => {
  test('ids are matched without regard to case and come back canonical', () => {
    assert.equal(catalog.resolve('qwen/qwen3-0.6b')?.id, 'Qwen/Qwen3-0.6B');
    assert.equal(catalog.resolve('OPENAI/GPT-OSS-20B')?.id, 'openai/gpt-oss-20b');
  });

  for (const prefix of ['ft', 'rl', 'fft', 'qft', 'FT']) {
    test(`a ${prefix}: fine-tune id resolves to its base model's rules`, () => {
      assert.equal(catalog.resolve(`${prefix}:Qwen/Qwen3-0.6B:my-run-42`), model('Qwen/Qwen3-0.6B'));
      assert.equal(catalog.resolve(`${prefix}:qwen/qwen3-0.6b`), model('Qwen/Qwen3-0.6B'));
    });
  }

  test('baseModelId strips the fine-tune prefix and suffix, keeping colons in the suffix', () => {
    assert.equal(baseModelId('ft:Qwen/Qwen3-8B:org:run:7'), 'Qwen/Qwen3-8B');
    assert.equal(baseModelId('Qwen/Qwen3-8B'), 'Qwen/Qwen3-8B');
    assert.equal(baseModelId('xx:Qwen/Qwen3-8B:s'), 'xx:Qwen/Qwen3-8B:s');
  });

  test('an unknown model resolves to undefined', () => {
    assert.equal(catalog.resolve('nobody/no-such-model'), undefined);
    assert.equal(catalog.resolve('ft:nobody/no-such-model:x'), undefined);
    assert.equal(catalog.resolve(''), undefined);
  });

  test('every built-in family is listed', () => {
    const ids = catalog.list().map((entry) => entry.id);
    for (const id of [
      'Qwen/Qwen3-30B-A3B',
      'Qwen/Qwen2.5-72B-Instruct',
      'allenai/OLMo-2-0425-1B',
      'allenai/OLMo-2-1124-13B-Instruct',
      'openai/gpt-oss-120b',
      'meta-llama/Llama-3.1-8B-Instruct',
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  test('gpt-oss-120b serves on a single 80 GB GPU, as OpenAI says it does', () => {
    assert.ok(canonicals(model('openai/gpt-oss-120b').inferenceGpus).includes('H100'));
  });
});
