import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Pool } from '../../src/pools/pool.js';
import type { Device } from '../../src/devices/discover-devices.js';
import type { LaunchedPool, PoolLauncher } from '../../src/pools/pool-launcher.js';
import { EndpointGroup } from '../../src/upstream/endpoint-group.js';

// One pool driven directly, with a launcher that starts nothing: lifecycle rules only.

interface FakeLauncher extends PoolLauncher {
  launches: number;
  stops: number;
}

function fakeLauncher(kind: 'local' | 'upstream' = 'local'): FakeLauncher {
  const group = new EndpointGroup(['http://127.0.0.1:9/v1'], { connectTimeoutMs: 100, timeoutMs: 100, limits: { bodyBytes: 1_000_000, eventBytes: 1_000_000 } });
  const launcher: FakeLauncher = {
    kind,
    device: 'cpu',
    weights: 'test-model',
    launches: 0,
    stops: 0,
    async launch(): Promise<LaunchedPool> {
      launcher.launches++;
      return { group, device: 'cpu', exited: new Promise<string>(() => undefined), stop: async () => void launcher.stops++ };
    },
  };
  return launcher;
}

/** Waits (up to 2 s, for a busy machine) until the pool has gone cold. */
async function untilCold(p: Pool): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (p.state !== 'cold') {
    assert.ok(Date.now() < deadline, `still ${p.state} 2 s later`);
    await sleep(10);
  }
}

function pool(launcher: PoolLauncher, idleTtlMs = 60_000, onChange?: (p: Pool) => void): Pool {
  return new Pool({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4', launcher, idleTtlMs, timeoutMs: 5_000, ...(onChange && { onChange }) });
}

describe('a pool going cold when idle', () => {
  it('goes cold one idle TTL after its warm-up', async () => {
    const p = pool(fakeLauncher(), 200);
    await p.warm();
    const warmedAt = Date.now();
    assert.equal(p.state, 'warmed');
    await untilCold(p);
    assert.ok(Date.now() - warmedAt >= 190);
  });

  it('counts the TTL again from a warm-up of a pool that was already warm', async () => {
    let coldAt = 0;
    const p = pool(fakeLauncher(), 400, (changed) => {
      if (changed.state === 'cold') coldAt = Date.now();
    });
    await p.warm();
    await sleep(250);
    const touchedAt = Date.now();
    await p.warm();
    await sleep(250); // 100 ms past the first deadline
    assert.equal(p.state, 'warmed');
    await untilCold(p);
    assert.ok(coldAt - touchedAt >= 390, `cold ${coldAt - touchedAt} ms after the second warm-up; the TTL is 400 ms`);
  });

  it('counts the TTL from the end of the last call, and never while one is in flight', async () => {
    const p = pool(fakeLauncher(), 200);
    await p.warm();
    const end = p.begin();
    await sleep(300);
    assert.equal(p.state, 'warmed');
    const endedAt = Date.now();
    end();
    await sleep(100);
    assert.equal(p.state, 'warmed');
    await untilCold(p);
    assert.ok(Date.now() - endedAt >= 190);
  });
});

describe('a local pool and its worker slot', () => {
  function slot(devices: readonly Device[] = []) {
    const counted = { releases: 0, devices, release: () => void counted.releases++ };
    return counted;
  }
  const H100 = { index: 3, uuid: 'GPU-3', name: 'NVIDIA H100 80GB HBM3', type: 'H100', memoryMiB: 81559 };

  it("launches with the slot's devices, one launch for every caller, and gives the slot back once stopped", async () => {
    const launcher = fakeLauncher();
    const seen: Array<readonly Device[]> = [];
    const launch = launcher.launch.bind(launcher);
    launcher.launch = (signal, devices) => (seen.push(devices), launch(signal, devices));
    const p = pool(launcher);
    const granted = slot([H100]);
    const spare = slot();
    const groups = await Promise.all([p.warm(granted), p.warm(spare), p.warm()]);
    assert.equal(new Set(groups).size, 1);
    assert.deepEqual(seen, [[H100]]);
    assert.deepEqual(p.devices, [H100]);
    assert.deepEqual([granted.releases, spare.releases], [0, 1], 'a second slot for a pool already starting goes back at once');
    await p.stop();
    assert.deepEqual([granted.releases, p.devices], [1, undefined]);
  });

  it('gives the slot back when the start fails', async () => {
    const launcher = fakeLauncher();
    launcher.launch = async () => {
      throw new Error('no such file');
    };
    const p = pool(launcher);
    const granted = slot([H100]);
    await assert.rejects(p.warm(granted), (error: Error & { code?: string }) => error.code === 'warmup_failed');
    assert.equal(granted.releases, 1);
  });

  it('gives the slot back when its worker dies on its own', async () => {
    const launcher = fakeLauncher();
    let die!: (reason: string) => void;
    const launch = launcher.launch.bind(launcher);
    launcher.launch = async (signal, devices) => ({ ...(await launch(signal, devices)), exited: new Promise<string>((resolve) => (die = resolve)) });
    const p = pool(launcher);
    const granted = slot([H100]);
    await p.warm(granted);
    die('worker exited (SIGKILL)');
    await sleep(10);
    assert.deepEqual([p.state, granted.releases], ['failed', 1]);
  });
});
