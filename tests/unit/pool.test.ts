import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Pool } from '../../src/pools/pool.js';
import type { LaunchedPool, PoolLauncher } from '../../src/pools/pool-launcher.js';
import { EndpointGroup } from '../../src/upstream/endpoint-group.js';

// One pool driven directly, with a launcher that starts nothing: lifecycle rules only.

interface FakeLauncher extends PoolLauncher {
  launches: number;
  stops: number;
}

function fakeLauncher(kind: 'local' | 'upstream' = 'local'): FakeLauncher {
  const group = new EndpointGroup(['http://127.0.0.1:9/v1'], { connectTimeoutMs: 100, timeoutMs: 100 });
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

describe('a pool starting after an eviction', () => {
  it('launches only once the evicted worker has stopped, one launch for every caller', async () => {
    const launcher = fakeLauncher();
    const p = pool(launcher);
    let stopped!: () => void;
    const room = new Promise<void>((resolve) => (stopped = resolve));
    const first = p.warm(room);
    const others = Array.from({ length: 5 }, () => p.warm());
    assert.equal(p.live, true, 'a pool waiting for room counts as live, so nothing else is evicted for it');
    await sleep(50);
    assert.deepEqual([launcher.launches, p.state], [0, 'warming']);
    stopped();
    const groups = await Promise.all([first, ...others]);
    assert.equal(launcher.launches, 1);
    assert.equal(new Set(groups).size, 1);
    assert.equal(p.state, 'warmed');
    await p.close();
  });

  it('fails as any start does when the evicted worker outlasts warmup.timeout_ms', async () => {
    const launcher = fakeLauncher();
    const p = new Pool({ model: 'Qwen/Qwen3-0.6B', gpu: 'L4', launcher, idleTtlMs: 60_000, timeoutMs: 100 });
    await assert.rejects(p.warm(sleep(300)), (error: Error & { code?: string }) => error.code === 'warmup_failed');
    assert.deepEqual([launcher.launches, p.state], [0, 'failed']);
    assert.match(p.status().error ?? '', /not warm after 100 ms/);
  });
});
