import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, runCommand, startServing, type ServingProcess } from '../helpers/spawn-cli.js';

// Debian's python3, where scripts/ensure-python-test-deps.sh installs pytest, httpx and pytest-asyncio.
const PYTHON = '/usr/bin/python3';
const GPUS = ['L4', 'L40S', 'A100', 'H100:2'];

describe("the spec's Python contract tests, against a started gateway", () => {
  const mocks: MockUpstream[] = [];
  let serving: ServingProcess;
  before(async () => {
    for (const gpu of GPUS) mocks.push(await startMockUpstream(gpu));
    const pools = mocks.map((m) => `  - gpu: "${m.label}"\n    models: ["*"]\n    endpoints: ["${m.url}"]\n`).join('');
    const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-contract-')), 'gpuroute.yaml');
    writeFileSync(file, `pools:\n${pools}`);
    serving = await startServing(process.execPath, [BIN, 'serve', '--config', file, '--port', '0'], { GPUROUTE_API_KEYS: '' });
  });
  after(async () => {
    await serving?.stop();
    await Promise.all(mocks.map((m) => m.close()));
  });

  it('test A (GPU override) and test C (validation) pass under pytest', async () => {
    const result = await runCommand(PYTHON, ['-m', 'pytest', '-q', 'tests/contract/test_gpu_override_v2.py', 'tests/contract/test_validate_gpu.py'], {
      LEARNING_V2_BASE_URL: serving.url,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\b4 passed\b/);
    const reached = mocks.filter((m) => m.requests.length > 0).map((m) => m.label);
    assert.deepEqual(reached, ['L40S', 'A100', 'H100:2']);
  });
});

describe("the spec's test B, against the embedded default (no config file)", () => {
  let serving: ServingProcess;
  before(async () => {
    serving = await startServing(process.execPath, [BIN, 'serve', '--port', '0'], { GPUROUTE_API_KEYS: '', GPUROUTE_CONFIG: '' });
  });
  after(() => serving?.stop());

  it('test B (warm-up on L40S) reaches "warmed" under pytest', async () => {
    const result = await runCommand(PYTHON, ['-m', 'pytest', '-q', 'tests/contract/test_warmup_gpu.py'], { LEARNING_V2_BASE_URL: serving.url }, 180_000);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\b1 passed\b/);
    const status = await (await fetch(`${serving.url}/warmup/status/Qwen/Qwen3-0.6B`, { headers: { 'X-GPU-Preference': 'L40S' } })).json();
    assert.deepEqual([status.status, status.gpu, status.device, status.weights], ['warmed', 'L40S', 'cpu', 'test-model']);
  });
});
