import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeNvidiaSmi, withFakeSmi } from '../helpers/fake-gpus.js';
import { runCli } from '../helpers/spawn-cli.js';
import { modelsDirWithTestModel } from '../helpers/test-model.js';

// `npm run gpu-check` is for machines with a real GPU. Here it can only be run against a
// fake nvidia-smi, where it must list the devices, run both workers, say that llama.cpp
// did not use a GPU (exit 1), since there is none, and still check the gateway's placement.

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
    // Through a real gateway: the call's worker sees exactly the card it was given; this
    // fake nvidia-smi lists no process on any card, which is reported, not hidden.
    assert.match(result.stdout, /^ok {3}through the gateway: Qwen\/Qwen3-0\.6B naming L4 → 200, X-Selected-GPU L4$/m);
    assert.match(result.stdout, /^ok {3}its worker: pid \d+, CUDA_VISIBLE_DEVICES=1; the gateway gave it device 1$/m);
    assert.match(result.stdout, /^FAIL nvidia-smi does not list pid \d+ on any GPU: llama\.cpp is not using the card$/m);
    assert.match(result.stdout, /^ok {3}naming L4:2 \(this host has 1 × L4\) → 503 no_capacity$/m);
    assert.doesNotMatch(result.stdout, /gateway closed/, 'nothing to free when the worker was never on the card');
    assert.equal(result.code, 1, result.stderr);
  });

  it('finds the worker on the card the gateway gave it, and off it once the gateway closes', async () => {
    const smi = fakeNvidiaSmi([[0, 'NVIDIA L40S', 46068], [1, 'NVIDIA L40S', 46068]], { computeApps: true });
    const result = await runCli(['gpu-check', '--models-dir', await modelsDirWithTestModel(), '--tokens', '8'], withFakeSmi(smi));
    assert.match(result.stdout, /^ok {3}its worker: pid (\d+), CUDA_VISIBLE_DEVICES=0; the gateway gave it device 0$/m);
    const pid = /its worker: pid (\d+)/.exec(result.stdout)?.[1];
    assert.match(result.stdout, new RegExp(`^ok {3}nvidia-smi: pid ${pid} on GPU-00000000-fake \\(100 MiB\\)$`, 'm'));
    assert.match(result.stdout, /^ok {3}naming L40S:4 \(this host has 2 × L40S\) → 503 no_capacity$/m);
    assert.match(result.stdout, new RegExp(`^ok {3}gateway closed: pid ${pid} is off the GPU$`, 'm'));
    assert.doesNotMatch(result.stdout, /^FAIL/m);
    assert.equal(result.code, 1, 'llama.cpp still ran on the CPU');
  });
});
