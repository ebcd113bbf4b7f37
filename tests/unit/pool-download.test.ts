import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Pool } from '../../src/pools/pool.js';
import type { LaunchedPool, LaunchEvents, PoolLauncher } from '../../src/pools/pool-launcher.js';
import type { PoolState } from '../../src/pools/pool-status.js';
import { EndpointGroup } from '../../src/upstream/endpoint-group.js';

// A pool whose launcher downloads weights first (workers.pull), driven by hand: the
// states and progress it shows, and warmup.timeout_ms leaving the download alone.

/** A launcher whose download the test steps through: `report` progress, then `finish`. */
function downloadingLauncher() {
  const group = new EndpointGroup(['http://127.0.0.1:9/v1'], { connectTimeoutMs: 100, timeoutMs: 100, limits: { bodyBytes: 1_000_000, eventBytes: 1_000_000 } });
  let events: LaunchEvents | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const launcher: PoolLauncher & { weights: string } = {
    kind: 'local',
    device: 'cpu',
    weights: 'test-model',
    async launch(signal, _devices, heard): Promise<LaunchedPool> {
      events = heard;
      heard?.downloading({ bytes: 0, totalBytes: 0, progress: 0, speed: 0 });
      await Promise.race([done, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)))]);
      launcher.weights = '/models/Qwen/Qwen3-0.6B.gguf';
      heard?.downloaded();
      return { group, device: 'cpu', exited: new Promise<string>(() => undefined), stop: async () => undefined };
    },
  };
  return { launcher, report: (bytes: number, totalBytes: number) => events?.downloading({ bytes, totalBytes, progress: bytes / totalBytes, speed: 0 }), finish };
}

describe('a pool downloading its weights before it starts (workers.pull)', () => {
  it('shows downloading with progress, then warming, then warmed on the downloaded weights', async () => {
    const { launcher, report, finish } = downloadingLauncher();
    const states: PoolState[] = [];
    const p = new Pool({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4', launcher, idleTtlMs: 60_000, timeoutMs: 5_000, onChange: (changed) => states.push(changed.state) });
    const warm = p.warm();
    await sleep(10);
    assert.equal(p.status().state, 'downloading');
    assert.deepEqual(p.status().download, { bytes: 0, totalBytes: 0, progress: 0 });
    report(250, 1000);
    assert.deepEqual(p.status().download, { bytes: 250, totalBytes: 1000, progress: 0.25 });
    assert.equal(p.status().weights, 'test-model');
    finish();
    await warm;
    assert.equal(p.status().state, 'warmed');
    assert.equal(p.status().download, undefined);
    assert.equal(p.status().weights, '/models/Qwen/Qwen3-0.6B.gguf');
    assert.deepEqual(states, ['warming', 'warming', 'downloading', 'warming', 'warmed'], 'a progress report is not a change of state');
    await p.stop();
  });

  it('does not count the download against warmup.timeout_ms', async () => {
    const { launcher, finish } = downloadingLauncher();
    const p = new Pool({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4', launcher, idleTtlMs: 60_000, timeoutMs: 100 });
    const warm = p.warm();
    await sleep(400);
    assert.equal(p.state, 'downloading', p.status().error);
    finish();
    await warm;
    assert.equal(p.state, 'warmed');
    await p.stop();
  });

  it('stops a download when the gateway shuts down', async () => {
    const { launcher } = downloadingLauncher();
    const p = new Pool({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4', launcher, idleTtlMs: 60_000, timeoutMs: 100 });
    const warm = p.warm();
    await sleep(10);
    await p.close();
    await assert.rejects(warm, /shutting down/);
    assert.equal(p.state, 'failed');
  });
});
