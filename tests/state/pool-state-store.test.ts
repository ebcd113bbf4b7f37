import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import type { PoolKey, PoolRecord, PoolStateStore } from '../../src/state/pool-state-store.js';
import { RedisStateStore } from '../../src/state/redis-state-store.js';
import { ResilientStateStore } from '../../src/state/resilient-state-store.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from '../helpers/redis.js';

const KEY: PoolKey = { model: 'Qwen/Qwen3-0.6B', gpu: 'L40S' };

function record(overrides: Partial<PoolRecord> = {}): PoolRecord {
  return { ...KEY, kind: 'upstream', state: 'warmed', since: 1_000, lastUsed: 2_000, device: 'remote', weights: 'remote', replica: 'replica-a', ...overrides };
}

interface Implementation {
  name: string;
  /** A fresh, empty store; `cleanup` removes everything it wrote. */
  make(): Promise<{ store: PoolStateStore; cleanup(): Promise<void> }>;
}

const silent = pino({ level: 'silent' });

async function redisStore(label: string) {
  const prefix = uniquePrefix(label);
  const store = new RedisStateStore({ url: REDIS_URL, keyPrefix: prefix });
  await store.connect();
  return { store, prefix };
}

/** Every store the gateway can run on: the same behaviour, proved by one suite (STYLE.md §6). */
const IMPLEMENTATIONS: Implementation[] = [
  { name: 'MemoryStateStore', make: async () => ({ store: new MemoryStateStore(), cleanup: async () => undefined }) },
  {
    name: 'RedisStateStore (127.0.0.1:6379)',
    async make() {
      const { store, prefix } = await redisStore('store');
      return { store, cleanup: async () => (await store.close(), await deleteKeys(prefix)) };
    },
  },
  {
    name: 'ResilientStateStore over Redis',
    async make() {
      const prefix = uniquePrefix('resilient');
      const store = new ResilientStateStore(new RedisStateStore({ url: REDIS_URL, keyPrefix: prefix }), { logger: silent, replica: 'replica-a' });
      await store.start();
      assert.equal(store.degraded, false, 'Redis answers on 127.0.0.1:6379');
      return { store, cleanup: async () => (await store.close(), await deleteKeys(prefix)) };
    },
  },
];

for (const implementation of IMPLEMENTATIONS) {
  describe(`pool state store: ${implementation.name}`, () => {
    let store: PoolStateStore;
    let cleanup: () => Promise<void>;
    before(async () => ({ store, cleanup } = await implementation.make()));
    after(() => cleanup());
    // Each test uses its own pool (model) so that claims and records never leak between tests.
    let n = 0;
    const key = (): PoolKey => ({ ...KEY, model: `test/model-${++n}` });

    it('reads back a record as it was put, with nobody holding the claim', async () => {
      const k = key();
      assert.deepEqual(await store.get(k), { record: undefined, holder: undefined });
      await store.put(record({ ...k, error: undefined, endpoint: 'http://127.0.0.1:4000/v1', claim: 'tok' }));
      const { record: stored, holder } = await store.get(k);
      assert.deepEqual(stored, record({ ...k, endpoint: 'http://127.0.0.1:4000/v1', claim: 'tok' }));
      assert.equal(holder, undefined);
    });

    it('replaces the whole record on put, but never moves lastUsed back', async () => {
      const k = key();
      await store.put(record({ ...k, state: 'failed', error: 'boom', lastUsed: 5_000 }));
      await store.put(record({ ...k, state: 'cold', since: 3_000, lastUsed: 4_000 }));
      const { record: stored } = await store.get(k);
      assert.equal(stored?.state, 'cold');
      assert.equal(stored?.error, undefined);
      assert.equal(stored?.lastUsed, 5_000);
    });

    it('moves lastUsed forward on touch, never back, and writes nothing for a pool without a record', async () => {
      const k = key();
      await store.touch(k, 9_000);
      assert.equal((await store.get(k)).record, undefined);
      await store.put(record({ ...k, lastUsed: null }));
      await store.touch(k, 7_000);
      await store.touch(k, 6_000);
      assert.equal((await store.get(k)).record?.lastUsed, 7_000);
    });

    it('keeps a local pool of each host apart from the same (model, gpu) elsewhere', async () => {
      const k = key();
      await store.put(record({ ...k, kind: 'local', host: 'box-a', endpoint: 'http://127.0.0.1:1/v1' }));
      await store.put(record({ ...k, kind: 'local', host: 'box-b', state: 'cold' }));
      assert.equal((await store.get({ ...k, host: 'box-a' })).record?.state, 'warmed');
      assert.equal((await store.get({ ...k, host: 'box-b' })).record?.state, 'cold');
      assert.equal((await store.get(k)).record, undefined);
    });

    it('lists every record with the holder of its claim', async () => {
      const [a, b] = [key(), key()];
      await store.put(record({ ...a, state: 'warming' }));
      await store.put(record({ ...b }));
      assert.ok(await store.claim(a, 'token-a', 5_000));
      const listed = (await store.list()).filter((s) => s.record.model === a.model || s.record.model === b.model);
      assert.deepEqual(
        listed.map((s) => [s.record.model, s.record.state, s.holder]).sort(),
        [[a.model, 'warming', 'token-a'], [b.model, 'warmed', undefined]].sort(),
      );
      await store.releaseClaim(a, 'token-a');
    });

    it('gives a claim to exactly one of 20 concurrent claimants, and reports the holder', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim(k, `token-${i}`, 5_000)));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = `token-${results.indexOf(true)}`;
      assert.equal((await store.get(k)).holder, winner);
      assert.equal(await store.claim(k, 'late', 5_000), false);
      await store.releaseClaim(k, winner);
    });

    it('lets a claim expire after its TTL, so another can take it', async () => {
      const k = key();
      assert.ok(await store.claim(k, 'dies', 300));
      assert.equal(await store.claim(k, 'waits', 300), false);
      await sleep(450);
      assert.equal((await store.get(k)).holder, undefined);
      assert.ok(await store.claim(k, 'waits', 300));
      assert.equal(await store.renewClaim(k, 'dies', 300), false, 'the expired holder cannot renew');
    });

    it('extends a claim when its holder renews it, and only then', async () => {
      const k = key();
      assert.ok(await store.claim(k, 'holder', 400));
      await sleep(250);
      assert.equal(await store.renewClaim(k, 'someone-else', 400), false);
      assert.equal(await store.renewClaim(k, 'holder', 400), true);
      await sleep(250); // 500 ms after the claim, 250 ms after the renewal
      assert.equal((await store.get(k)).holder, 'holder');
      assert.equal(await store.claim(k, 'other', 400), false);
      await store.releaseClaim(k, 'holder');
    });

    it('releases a claim only for its holder', async () => {
      const k = key();
      assert.ok(await store.claim(k, 'holder', 5_000));
      await store.releaseClaim(k, 'intruder');
      assert.equal((await store.get(k)).holder, 'holder');
      await store.releaseClaim(k, 'holder');
      assert.equal((await store.get(k)).holder, undefined);
      assert.ok(await store.claim(k, 'next', 5_000));
      await store.releaseClaim(k, 'next');
    });
  });
}

describe('Redis state store: what only a shared store does', () => {
  const prefix = uniquePrefix('redis-only');
  const stores: RedisStateStore[] = [];
  const open = async () => {
    const store = new RedisStateStore({ url: REDIS_URL, keyPrefix: prefix });
    await store.connect();
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  after(() => deleteKeys(prefix));

  it('tells another process of every record put, within a moment', async () => {
    const [writer, reader] = [await open(), await open()];
    const heard: PoolRecord[] = [];
    reader.onChange((r) => heard.push(r));
    await sleep(100); // the subscription is made once the connection is ready
    await writer.put(record({ model: 'test/pubsub' }));
    const deadline = Date.now() + 2_000;
    while (heard.length === 0 && Date.now() < deadline) await sleep(10);
    assert.deepEqual(heard.map((r) => [r.model, r.state]), [['test/pubsub', 'warmed']]);
  });

  it('re-syncs with putIfNewer, which never overwrites a newer state', async () => {
    const store = await open();
    await store.put(record({ model: 'test/newer', since: 5_000, state: 'warmed' }));
    assert.equal(await store.putIfNewer(record({ model: 'test/newer', since: 4_000, state: 'cold' })), false);
    assert.equal((await store.get({ ...KEY, model: 'test/newer' })).record?.state, 'warmed');
    assert.equal(await store.putIfNewer(record({ model: 'test/newer', since: 6_000, state: 'cold' })), true);
    assert.equal((await store.get({ ...KEY, model: 'test/newer' })).record?.state, 'cold');
  });
});
