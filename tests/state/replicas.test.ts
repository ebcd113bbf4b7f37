import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../helpers/closed-port.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { REDIS_URL, deleteKeys, redisClient, startRedisServer, uniquePrefix, type RedisServer } from '../helpers/redis.js';
import { startReplica, type Replica } from '../helpers/replicas.js';
import { eventually, modelsDirWithTestModel } from '../helpers/test-model.js';

// Issue 5 §2: gateway replicas (real `gpuroute serve` processes, from dist/) sharing pool
// state through Redis. Each describe uses its own key prefix and removes its keys.

const MODEL = 'Qwen/Qwen3-0.6B';
const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 4, temperature: 0 };

function warm(replica: Replica, gpu: string, wait = true): Promise<Response> {
  return fetch(`${replica.url}/warmup/${MODEL}?gpu=${gpu}${wait ? '&wait=true' : ''}`, { method: 'POST' });
}

async function status(replica: Replica, gpu: string): Promise<{ status: string; error?: string; kind: string }> {
  return (await fetch(`${replica.url}/warmup/status/${MODEL}?gpu=${gpu}`)).json() as Promise<{ status: string; error?: string; kind: string }>;
}

function chat(replica: Replica, gpu: string): Promise<Response> {
  return fetch(`${replica.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gpu-preference': gpu }, body: JSON.stringify(CHAT) });
}

const FALLBACK_WARNING = /falls back to local pool state/;

async function stopAll(replicas: Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
}

describe('two replicas with local pools share one Redis', () => {
  const prefix = uniquePrefix('replicas-local');
  const replicas: Replica[] = [];
  let a: Replica;
  let b: Replica;
  before(async () => {
    const config = { workers: { models_dir: await modelsDirWithTestModel(), max_live: 2 }, pools: [{ kind: 'local' }], state: { store: 'redis', url: REDIS_URL, key_prefix: prefix } };
    replicas.push((a = await startReplica(config)), (b = await startReplica(config)));
  });
  after(async () => {
    await stopAll(replicas);
    await deleteKeys(prefix);
  });

  it('warms on A, and B says warmed and answers a chat through A’s worker without starting one', async () => {
    const warmed = await warm(a, 'L40S');
    assert.equal(warmed.status, 200);
    assert.equal((await warmed.json()).status, 'warmed');
    // B hears A's change over pub/sub before A answers the warm-up; the bound only
    // guards against a slow machine.
    await eventually(async () => (await status(b, 'L40S')).status === 'warmed', 'B says warmed', 1_000);

    const response = await chat(b, 'L40S');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
    assert.equal((await response.json()).usage.completion_tokens, 4);
    assert.equal((await a.workers()).length, 1);
    assert.deepEqual(await b.workers(), []);
  });

  it('makes exactly one start for 20 concurrent warm-ups split over A and B', async () => {
    const before = [...(await a.workers()), ...(await b.workers())];
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => warm(i % 2 ? b : a, 'A100')));
    assert.deepEqual(answers.map((r) => r.status), Array(20).fill(200));
    assert.deepEqual([...new Set(await Promise.all(answers.map(async (r) => (await r.json()).status)))], ['warmed']);
    const started = [...(await a.workers()), ...(await b.workers())].filter((pid) => !before.includes(pid));
    assert.equal(started.length, 1);
    assert.deepEqual([(await status(a, 'A100')).status, (await status(b, 'A100')).status], ['warmed', 'warmed']);
  });
});

describe('a replica that dies holding a warm-up claim', () => {
  const prefix = uniquePrefix('replicas-dead');
  const replicas: Replica[] = [];
  let mock: MockUpstream;
  const CLAIM_TTL_MS = 1_000;
  before(async () => {
    mock = await startMockUpstream('L40S');
    mock.healthStatus = 503; // warming never ends until the test says so
  });
  after(async () => {
    await stopAll(replicas);
    await mock.close();
    await deleteKeys(prefix);
  });

  it('does not block another replica’s warm-up beyond the claim TTL', async () => {
    const config = { pools: [{ gpu: 'L40S', endpoints: [mock.url] }], state: { store: 'redis', key_prefix: prefix, claim_ttl_ms: CLAIM_TTL_MS } };
    const [dying, survivor] = [await startReplica(config), await startReplica(config)];
    replicas.push(dying, survivor);

    assert.equal((await (await warm(dying, 'L40S', false)).json()).status, 'warming');
    const redis = redisClient();
    const claimKey = `${prefix}claim:${MODEL}@L40S`;
    try {
      await eventually(async () => (await redis.get(claimKey)) !== null && mock.requests.some((r) => r.url === '/health'), 'the first replica holds the claim and probes');
      // Longer than the TTL: the claim lives on only because it is renewed.
      await new Promise((r) => setTimeout(r, CLAIM_TTL_MS * 1.5));
      assert.notEqual(await redis.get(claimKey), null);
      assert.equal((await status(survivor, 'L40S')).status, 'warming');

      await dying.kill();
      assert.notEqual(await redis.get(claimKey), null, 'the dead replica’s claim is still there');
      mock.healthStatus = 200;
      const started = Date.now();
      const response = await warm(survivor, 'L40S');
      const waited = Date.now() - started;
      assert.equal(response.status, 200);
      assert.equal((await response.json()).status, 'warmed');
      assert.ok(waited >= CLAIM_TTL_MS / 3, `waited for the claim to expire (${waited} ms)`);
      assert.ok(waited < CLAIM_TTL_MS + 2_000, `not blocked beyond the TTL (${waited} ms)`);
      assert.equal((await status(survivor, 'L40S')).status, 'warmed');
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis stopped or unreachable', () => {
  const replicas: Replica[] = [];
  const servers: RedisServer[] = [];
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream('any');
  });
  after(async () => {
    await stopAll(replicas);
    await Promise.all(servers.map((s) => s.kill()));
    await mock.close();
  });

  const fallbackWarnings = (replica: Replica) => replica.logs().filter((line) => line.level === 40 && FALLBACK_WARNING.test(line.msg));

  /** Calls and warm-ups of every kind; none may be a 5xx. */
  async function exercise(replica: Replica, gpus: string[]): Promise<number[]> {
    const statuses: number[] = [];
    for (const gpu of gpus) {
      statuses.push((await warm(replica, gpu)).status, (await chat(replica, gpu)).status);
      statuses.push((await fetch(`${replica.url}/warmup/status/${MODEL}?gpu=${gpu}`)).status);
    }
    statuses.push((await chat(replica, 'L4:3')).status); // a 400: not a GPU spec
    statuses.push((await fetch(`${replica.url}/warmup/status`)).status, (await fetch(`${replica.url}/health`)).status);
    return statuses;
  }

  it('falls back to local state with one warning, never answers 5xx, and re-syncs when Redis returns', async () => {
    const port = await closedPort();
    servers.push(await startRedisServer(port));
    const prefix = uniquePrefix('replicas-outage');
    const config = { pools: [{ gpu: '*', endpoints: [mock.url] }], state: { store: 'redis', url: `redis://127.0.0.1:${port}`, key_prefix: prefix } };
    const [e, f] = [await startReplica(config), await startReplica(config)];
    replicas.push(e, f);

    assert.equal((await warm(e, 'L40S')).status, 200);
    await eventually(async () => (await status(f, 'L40S')).status === 'warmed', 'state is shared before the outage', 1_000);

    await servers[0]!.kill();
    const during = [...(await exercise(e, ['L40S', 'A100'])), ...(await exercise(f, ['L40S', 'H100']))];
    assert.ok(during.every((s) => s < 500), `no 5xx while Redis is down: ${during.join(' ')}`);
    assert.ok(during.includes(400));
    await new Promise((r) => setTimeout(r, 1_500)); // several reconnection attempts later…
    assert.equal(fallbackWarnings(e).length, 1, 'one warning on E');
    assert.equal(fallbackWarnings(f).length, 1, 'one warning on F');

    servers.push(await startRedisServer(port)); // empty: it kept nothing
    const redis = redisClient(`redis://127.0.0.1:${port}`);
    try {
      const key = (gpu: string) => `${prefix}pool:${MODEL}@${gpu}`;
      await eventually(async () => (await redis.exists(key('L40S'), key('A100'), key('H100'))) === 3, 'both replicas pushed their records back', 10_000);
      assert.equal(JSON.parse((await redis.hget(key('A100'), 'record'))!).state, 'warmed');
      // …and share state again: F learns that E warmed A100 while they could not talk.
      await eventually(async () => (await status(f, 'A100')).status === 'warmed', 'F sees E’s A100 pool', 5_000);
    } finally {
      redis.disconnect();
    }
    // The JSON logger batches its lines (up to 250 ms late: src/commands/json-logger.ts).
    for (const replica of [e, f]) await eventually(() => replica.logs().some((line) => line.level === 30 && /Redis answers again/.test(line.msg)), 'each replica logs that Redis answers again', 2_000);
    assert.equal(fallbackWarnings(e).length, 1);
  });

  it('starts and serves with Redis unreachable from the start, with one warning', async () => {
    const port = await closedPort();
    const g = await startReplica({ pools: [{ gpu: '*', endpoints: [mock.url] }], state: { store: 'redis', url: `redis://127.0.0.1:${port}`, key_prefix: uniquePrefix('replicas-never') } });
    replicas.push(g);
    const statuses = await exercise(g, ['L40S']);
    assert.ok(statuses.every((s) => s < 500), statuses.join(' '));
    assert.equal((await status(g, 'L40S')).status, 'warmed');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(fallbackWarnings(g).length, 1);
  });
});
