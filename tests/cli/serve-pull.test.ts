import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { startGgufFileServer, type GgufFileServer } from '../helpers/gguf-file-server.js';
import { BIN, runCli, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const BROKEN = 'Qwen/Qwen3-1.7B';

interface WarmupStatus {
  status: string;
  weights: string;
  error?: string;
  progress?: number;
  bytes?: number;
  total_bytes?: number;
}

/**
 * A config whose local pools take Qwen3-0.6B's weights from `url`, and Qwen3-1.7B's from
 * a source that answers 500, into a fresh models_dir.
 */
function workspace(url: string): { config: string; dir: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gpuroute-serve-pull-'));
  const config = join(dir, 'gpuroute.yaml');
  const broken = new URL('/broken.gguf', url).href;
  writeFileSync(config, `workers:\n  models_dir: ${join(dir, 'models')}\npools:\n  - kind: local\nmodels:\n  "${MODEL}":\n    gguf: "${url}"\n  "${BROKEN}":\n    gguf: "${broken}"\n`);
  return { config, dir, target: join(dir, 'models', 'Qwen', 'Qwen3-0.6B.gguf') };
}

/** Every status a warm-up shows, polled until it ends warmed or failed. */
async function warmUp(serving: ServingProcess, model = MODEL): Promise<WarmupStatus[]> {
  assert.equal((await fetch(`${serving.url}/warmup/${model}`, { method: 'POST' })).status, 200);
  const seen: WarmupStatus[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = (await (await fetch(`${serving.url}/warmup/status/${model}`)).json()) as WarmupStatus;
    seen.push(status);
    if (status.status === 'warmed' || status.status === 'failed') return seen;
    assert.ok(Date.now() < deadline, `still ${status.status} after 120 s`);
    await sleep(25);
  }
}

async function healthWeights(serving: ServingProcess): Promise<Record<string, number>> {
  return ((await (await fetch(`${serving.url}/health`)).json()) as { weights: Record<string, number> }).weights;
}

describe('gpuroute serve --pull (weights from a slow file server on 127.0.0.1)', () => {
  let file: Buffer;
  let server: GgufFileServer;
  before(async () => {
    file = readFileSync(testModelPath(await modelsDirWithTestModel()));
    server = await startGgufFileServer({ '/model.gguf': file });
    server.bytesPerTick = 64 * 1024; // about 4 s for the test model: long enough to be seen downloading
  });
  after(() => server.close());

  it('downloads the weights on the first warm-up: downloading with progress, then warming, then warmed on them', async () => {
    const { config, target } = workspace(`${server.url}/model.gguf`);
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0', '--pull']);
    try {
      assert.match(serving.output(), /downloaded from its source .* on its first warm-up/);
      assert.equal((await healthWeights(serving))[target], undefined);

      const seen = await warmUp(serving);
      const last = seen.at(-1)!;
      assert.equal(last.status, 'warmed', last.error);
      const states = seen.map((s) => s.status).filter((s, i, all) => s !== all[i - 1]);
      assert.deepEqual(states.slice(states.indexOf('downloading')), ['downloading', 'warming', 'warmed'], states.join(' → '));
      const downloading = seen.filter((s) => s.status === 'downloading');
      for (const s of downloading) {
        assert.equal(s.weights, 'test-model');
        assert.ok(s.progress! >= 0 && s.progress! <= 1 && s.bytes! >= 0 && s.total_bytes! >= 0, JSON.stringify(s));
      }
      const midway = downloading.find((s) => s.progress! > 0 && s.progress! < 1);
      assert.ok(midway, `no progress between 0 and 1 in ${JSON.stringify(downloading)}`);
      assert.equal(midway.total_bytes, file.length);
      assert.equal(midway.bytes, Math.round(midway.progress! * file.length));
      assert.equal(seen.find((s) => s.status !== 'downloading' && 'progress' in s), undefined, 'progress outside downloading');

      assert.equal(last.weights, target);
      assert.ok(readFileSync(target).equals(file));
      assert.equal((await healthWeights(serving))[target], 1);
    } finally {
      await serving.stop();
    }
  });

  it('warmup --wait shows the download, then names the weights it warmed on', async () => {
    const { config, target } = workspace(`${server.url}/model.gguf`);
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0', '--pull']);
    try {
      const { code, stdout, stderr } = await runCli(['warmup', MODEL, '--wait', '--url', serving.url]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, new RegExp(`^${MODEL} on \\S+: downloading`, 'm'));
      assert.match(stdout, new RegExp(`^warmed ${MODEL} on \\S+ in [\\d.]+s \\(device cpu, weights ${target}\\)$`, 'm'));
    } finally {
      await serving.stop();
    }
  });

  it('a source that fails leaves the pool failed, naming the source, and no file where the gateway would load it', async () => {
    const { config, dir } = workspace(`${server.url}/model.gguf`);
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0', '--pull']);
    try {
      const last = (await warmUp(serving, BROKEN)).at(-1)!;
      assert.equal(last.status, 'failed');
      assert.match(last.error!, new RegExp(`${server.url}/broken\\.gguf.*500`));
      assert.equal(last.weights, 'test-model');
      assert.ok(!existsSync(join(dir, 'models', 'Qwen', 'Qwen3-1.7B.gguf')));
    } finally {
      await serving.stop();
    }
  });

  it('without --pull nothing is downloaded: the pool runs the test model', async () => {
    const { config } = workspace(`${server.url}/model.gguf`);
    server.requests.length = 0;
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0']);
    try {
      const seen = await warmUp(serving);
      assert.equal(seen.at(-1)!.status, 'warmed', seen.at(-1)!.error);
      assert.ok(!seen.some((s) => s.status === 'downloading'));
      assert.equal(seen.at(-1)!.weights, 'test-model');
      assert.ok((await healthWeights(serving))['test-model']! >= 1);
      assert.equal(server.requests.length, 0);
    } finally {
      await serving.stop();
    }
  });
});
