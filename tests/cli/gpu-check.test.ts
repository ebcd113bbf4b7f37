import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeNvidiaSmi, withFakeSmi } from '../helpers/fake-gpus.js';
import { runCli } from '../helpers/spawn-cli.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

// `npm run gpu-check` is for machines with a real GPU. Here it can only be run against a
// fake nvidia-smi, where it must list the devices, run both workers, and then say that
// llama.cpp did not use a GPU (exit 1), since there is none.

describe('gpuroute gpu-check', () => {
  it('says there is nothing to check on a host without nvidia-smi', async () => {
    const result = await runCli(['gpu-check'], { PATH: mkdtempSync(join(tmpdir(), 'gpuroute-empty-path-')) });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /no NVIDIA GPU found \(no nvidia-smi on PATH\)/);
  });

  it('lists the devices, runs the worker on the first known type and on the CPU, and reports tokens/s and the device llama.cpp used', async () => {
    const smi = fakeNvidiaSmi([
      [0, 'Tesla T4', 15360],
      [1, 'NVIDIA L4', 23034],
    ]);
    const result = await runCli(['gpu-check', '--models-dir', await modelsDirWithTestModel(), '--tokens', '8'], withFakeSmi(smi));
    assert.match(result.stdout, /devices: 1 × Tesla T4, 1 × L4/);
    assert.match(result.stdout, /worker on device 1 \(L4\) with the test model; CUDA_VISIBLE_DEVICES=1/);
    assert.match(result.stdout, /llama\.cpp reports: cpu/);
    assert.match(result.stdout, /generated tokens\/s on the GPU: \d+\.\d/);
    assert.match(result.stdout, /generated tokens\/s on the CPU: \d+\.\d/);
    assert.match(result.stdout, /llama\.cpp did not use the GPU/);
    assert.equal(result.code, 1, result.stderr);
  });
});
