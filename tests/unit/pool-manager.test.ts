import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelCatalog } from '../../src/catalog/model-catalog.js';
import { configSchema } from '../../src/config/config-schema.js';
import { buildAllowList } from '../../src/gpu/allow-list.js';
import { PoolManager } from '../../src/pools/pool-manager.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const UPSTREAM = ['http://127.0.0.1:9/v1'];
const catalog = new ModelCatalog({ allowList: buildAllowList() });
const models = catalog.list();
const servableOn = (gpu: string) => models.filter((m) => m.inferenceGpus.some((s) => s.canonical === gpu));

const managers: PoolManager[] = [];
after(() => Promise.all(managers.map((m) => m.close())));

/** A manager over these pool entries; models_dir is empty, so local pools run the test model. */
function manager(pools: unknown[]): PoolManager {
  const config = configSchema.parse({ pools, workers: { models_dir: mkdtempSync(join(tmpdir(), 'gpuroute-no-weights-')) } });
  const built = new PoolManager({ config });
  managers.push(built);
  return built;
}

describe('the status of a pool that may not exist yet (peek)', () => {
  it('describes a local pool never used as cold, with the device and weights it would start with, and creates nothing', () => {
    const pools = manager([{ kind: 'local' }]);
    const status = pools.peek({ model: MODEL, aliases: [MODEL], gpu: 'L4' });
    assert.ok(status);
    const { since, ...rest } = status;
    assert.deepEqual(rest, { model: MODEL, gpu: 'L4', kind: 'local', state: 'cold', lastUsed: null, device: 'cpu', weights: 'test-model' });
    assert.ok(since <= Date.now());
    assert.deepEqual(pools.statuses(), []);
  });

  it('describes an upstream pool as remote', () => {
    const pools = manager([{ gpu: 'L40S', endpoints: UPSTREAM }]);
    const status = pools.peek({ model: MODEL, aliases: [MODEL], gpu: 'L40S' });
    assert.deepEqual([status?.kind, status?.state, status?.device, status?.weights], ['upstream', 'cold', 'remote', 'remote']);
    assert.deepEqual(pools.statuses(), []);
  });

  it('answers with the pool itself once it exists', () => {
    const pools = manager([{ gpu: 'L40S', endpoints: UPSTREAM }]);
    const query = { model: MODEL, aliases: [MODEL], gpu: 'L40S' };
    pools.find(query)!.noteServed();
    assert.equal(pools.peek(query)?.state, 'warmed');
    assert.equal(pools.statuses().length, 1);
  });

  it('is undefined when no entry serves the model on that GPU', () => {
    const pools = manager([{ gpu: 'L40S', endpoints: UPSTREAM, models: [MODEL] }]);
    assert.equal(pools.peek({ model: MODEL, aliases: [MODEL], gpu: 'A100' }), undefined);
    assert.equal(pools.peek({ model: 'Qwen/Qwen3-8B', aliases: ['Qwen/Qwen3-8B'], gpu: 'L40S' }), undefined);
  });
});

describe('which weights local pools would load (localWeights)', () => {
  it('counts every catalog model under the default entry: local workers everywhere', () => {
    assert.deepEqual(manager([{ kind: 'local' }]).localWeights(models), { 'test-model': models.length });
  });

  it('counts nothing when an upstream entry for every GPU and model comes first', () => {
    assert.deepEqual(manager([{ endpoints: UPSTREAM }, { kind: 'local' }]).localWeights(models), {});
  });

  it('leaves out a model whose first matching entry is an upstream one', () => {
    const pools = manager([{ gpu: 'L40S', endpoints: UPSTREAM, models: [MODEL] }, { kind: 'local' }]);
    assert.ok(servableOn('L40S').some((m) => m.id === MODEL));
    assert.deepEqual(pools.localWeights(models), { 'test-model': models.length - 1 });
  });

  it('passes over an entry for a GPU the model cannot use', () => {
    const tooBigForL4 = models.length - servableOn('L4').length;
    assert.ok(tooBigForL4 > 0 && tooBigForL4 < models.length);
    const pools = manager([{ gpu: 'L4', endpoints: UPSTREAM }, { kind: 'local' }]);
    assert.deepEqual(pools.localWeights(models), { 'test-model': tooBigForL4 });
  });

  it('counts only the models a local entry for one GPU can serve', () => {
    const pools = manager([{ kind: 'local', gpu: 'L4' }]);
    assert.deepEqual(pools.localWeights(models), { 'test-model': servableOn('L4').length });
  });
});
