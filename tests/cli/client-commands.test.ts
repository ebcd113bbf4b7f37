import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { runCli } from '../helpers/spawn-cli.js';
import { modelsDirWithTestModel, truncatedModel } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';

describe('the client commands against a running gateway', () => {
  let gw: RunningGateway;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    const broken = await truncatedModel();
    gw = await startGateway({
      auth: { api_keys: ['sk-cli-client'] },
      workers: { models_dir: await modelsDirWithTestModel() },
      models: { 'Qwen/Qwen3-1.7B': { gguf: broken } },
      pools: [{ kind: 'local' }],
    });
    env = { GPUROUTE_URL: gw.url, GPUROUTE_API_KEY: 'sk-cli-client' };
  });
  after(() => gw.close());

  it('warmup --wait shows the states and exits 0 once warmed', async () => {
    const result = await runCli(['warmup', MODEL, '--gpu', 'L40S', '--wait'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Qwen\/Qwen3-0\.6B on L40S: warm(ing|ed) \d+\.\ds/);
    assert.match(result.stdout, /warmed Qwen\/Qwen3-0\.6B on L40S in \d+\.\ds \(device cpu, weights test-model\)/);
  });

  it('warmup exits non-zero with the error when the pool fails', async () => {
    const result = await runCli(['warmup', 'Qwen/Qwen3-1.7B', '--gpu', 'L4', '--wait'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /warm-up of Qwen\/Qwen3-1\.7B on L4 failed: /);
  });

  it('warmup refuses an unsupported GPU with the gateway message', async () => {
    const result = await runCli(['warmup', MODEL, '--gpu', 'V100'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /400: Unknown GPU type: V100/);
  });

  it('chat prints the answer and the selected GPU, streamed or not', async () => {
    for (const stream of [[], ['--stream']]) {
      const result = await runCli(['chat', MODEL, 'Hello', '--gpu', 'L40S', '--max-tokens', '6', ...stream], env);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.trim().length > 0);
      assert.match(result.stderr, /selected_gpu: L40S/);
    }
  });

  it('validate exits 0 for a fit and 1 for a misfit, with the reason', async () => {
    const ok = await runCli(['validate', MODEL, '--gpu', 'A10G'], env);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^valid: Qwen\/Qwen3-0\.6B on A10G for inference/);
    const misfit = await runCli(['validate', 'meta-llama/Llama-3.1-70B-Instruct', '--gpu', 'A100', '--task', 'training'], env);
    assert.equal(misfit.code, 1);
    assert.match(misfit.stdout, /not valid[\s\S]*error: .*needs [\d.]+ GB[\s\S]*suggestion: Use /);
  });

  it('says how to fix a missing key', async () => {
    const result = await runCli(['validate', MODEL], { GPUROUTE_URL: gw.url, GPUROUTE_API_KEY: '' , GPUROUTE_API_KEYS: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /401: Missing API key/);
  });
});
