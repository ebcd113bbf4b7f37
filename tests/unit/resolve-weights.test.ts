import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/config-schema.js';
import { resolveWeights, testModelPath } from '../../src/pools/resolve-weights.js';

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'gpuroute-weights-'));
  const modelsDir = join(root, 'models');
  mkdirSync(join(modelsDir, 'Qwen'), { recursive: true });
  return { root, modelsDir };
}

describe('choosing the weights of a local pool', () => {
  it('takes models.<id>.gguf first', () => {
    const { modelsDir } = setup();
    const config = configSchema.parse({ workers: { models_dir: modelsDir }, models: { 'qwen/qwen3-0.6b': { gguf: '/data/q.gguf' } } });
    assert.deepEqual(resolveWeights('Qwen/Qwen3-0.6B', config), { path: '/data/q.gguf', label: '/data/q.gguf' });
  });

  it('then <models_dir>/<id>.gguf', () => {
    const { modelsDir } = setup();
    writeFileSync(join(modelsDir, 'Qwen', 'Qwen3-0.6B.gguf'), 'x');
    const config = configSchema.parse({ workers: { models_dir: modelsDir } });
    assert.equal(resolveWeights('Qwen/Qwen3-0.6B', config).path, join(modelsDir, 'Qwen', 'Qwen3-0.6B.gguf'));
  });

  it('for an hf: or URL source, where gpuroute pull stores it, else the test model', () => {
    const { modelsDir } = setup();
    const config = configSchema.parse({
      workers: { models_dir: modelsDir },
      models: { 'Qwen/Qwen3-0.6B': { gguf: 'hf:Qwen/Qwen3-0.6B-GGUF:Q8_0' }, 'Qwen/Qwen3-8B': { gguf: 'https://example.com/q.gguf' } },
    });
    writeFileSync(join(modelsDir, 'Qwen', 'Qwen3-0.6B.gguf'), 'x');
    assert.equal(resolveWeights('Qwen/Qwen3-0.6B', config).path, join(modelsDir, 'Qwen', 'Qwen3-0.6B.gguf'));
    assert.equal(resolveWeights('Qwen/Qwen3-8B', config).label, 'test-model');
  });

  it('else the generated test model, labelled test-model', () => {
    const { modelsDir } = setup();
    const config = configSchema.parse({ workers: { models_dir: modelsDir } });
    assert.deepEqual(resolveWeights('Qwen/Qwen3-8B', config), { path: testModelPath(modelsDir), label: 'test-model' });
  });

  it('never follows an id out of models_dir, even to a file that exists', () => {
    const { root, modelsDir } = setup();
    writeFileSync(join(root, 'secret.gguf'), 'x');
    const config = configSchema.parse({ workers: { models_dir: modelsDir } });
    assert.equal(resolveWeights('../secret', config).label, 'test-model');
  });
});
