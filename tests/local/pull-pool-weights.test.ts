import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/config-schema.js';
import { PullError } from '../../src/pools/pull-error.js';
import { pullPoolWeights, type PullProgress } from '../../src/pools/pull-weights.js';
import { paddedTestModel, startGgufFileServer, type GgufFileServer } from '../helpers/gguf-file-server.js';

const MODEL = 'Qwen/Qwen3-0.6B';

function configFor(gguf: string) {
  return configSchema.parse({ workers: { models_dir: join(mkdtempSync(join(tmpdir(), 'gpuroute-pool-pull-')), 'models') }, models: { [MODEL]: { gguf } } });
}

describe('weights pulled for a local pool (workers.pull)', () => {
  let file: Buffer;
  let server: GgufFileServer;
  before(async () => {
    file = await paddedTestModel();
    server = await startGgufFileServer({ '/model.gguf': file });
  });
  after(() => server.close());

  it('downloads once for pools warming together, reports bytes and progress to each, then resolves to the file', async () => {
    const config = configFor(`${server.url}/model.gguf`);
    server.requests.length = 0;
    const heard: PullProgress[][] = [[], []];
    const [a, b] = await Promise.all([
      pullPoolWeights(MODEL, config, { onProgress: (p) => heard[0]!.push(p) }),
      pullPoolWeights(MODEL, config, { onProgress: (p) => heard[1]!.push(p) }),
    ]);
    const target = join(config.workers.models_dir, 'Qwen', 'Qwen3-0.6B.gguf');
    assert.deepEqual(a, { path: target, label: target });
    assert.deepEqual(b, a);
    assert.ok(readFileSync(target).equals(file));
    assert.equal(server.requests.filter((r) => r.range === 'bytes=0-0').length, 1, 'two downloads were started');
    for (const updates of heard) {
      assert.ok(updates.length > 0);
      assert.deepEqual({ ...updates.at(-1)!, speed: 0 }, { bytes: file.length, totalBytes: file.length, progress: 1, speed: 0 });
    }
  });

  it('does not download when the weights are on disk', async () => {
    const config = configFor(`${server.url}/model.gguf`);
    await pullPoolWeights(MODEL, config);
    server.requests.length = 0;
    await pullPoolWeights(MODEL, config);
    assert.equal(server.requests.length, 0);
  });

  it('a caller that gives up stops waiting; the download it shared still lands on disk', async () => {
    const config = configFor(`${server.url}/model.gguf`);
    const gaveUp = new AbortController();
    const waiting = pullPoolWeights(MODEL, config, { signal: gaveUp.signal, onProgress: () => gaveUp.abort(new Error('warm-up timed out')) });
    const staying = pullPoolWeights(MODEL, config);
    await assert.rejects(waiting, /warm-up timed out/);
    assert.ok(readFileSync((await staying).path).equals(file));
  });

  it('fails with a PullError naming the source, leaving the test model in place', async () => {
    const config = configFor(`${server.url}/missing.gguf`);
    await assert.rejects(pullPoolWeights(MODEL, config), (error: unknown) => error instanceof PullError && /missing\.gguf: no such file \(HTTP 404\)/.test(error.message));
    assert.equal(existsSync(join(config.workers.models_dir, 'Qwen', 'Qwen3-0.6B.gguf')), false);
  });
});
