import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from '../helpers/redis.js';

// The claim protocol between two in-process gateways on one Redis (issue 5 §2), with
// upstream pools: quicker to drive than processes, and the probes can be counted.

const MODEL = 'Qwen/Qwen3-0.6B';

function warm(gw: RunningGateway, wait = true): Promise<Response> {
  return fetch(`${gw.url}/warmup/${MODEL}?gpu=L40S${wait ? '&wait=true' : ''}`, { method: 'POST' });
}

const probes = (mock: MockUpstream) => mock.requests.filter((r) => r.url.endsWith('/chat/completions') && r.body?.max_tokens === 1).length;

describe('upstream pools shared by two gateways', () => {
  const prefixes: string[] = [];
  const running: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    await Promise.all(running.map((r) => r.close()));
    await Promise.all(prefixes.map((p) => deleteKeys(p)));
  });

  async function pair(mock: MockUpstream, warmup: [Record<string, number>, Record<string, number>] = [{}, {}]) {
    const prefix = uniquePrefix('shared-pools');
    prefixes.push(prefix);
    const config = (w: Record<string, number>) => ({ pools: [{ gpu: 'L40S', endpoints: [mock.url] }], warmup: w, state: { store: 'redis', url: REDIS_URL, key_prefix: prefix } });
    const a = await startGateway(config(warmup[0]));
    const b = await startGateway(config(warmup[1]));
    running.push(a, b, mock);
    return [a, b] as const;
  }

  it('probes the upstream once for 10 concurrent warm-ups split over both', async () => {
    const mock = await startMockUpstream('L40S');
    const [a, b] = await pair(mock);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => warm(i % 2 ? b : a)));
    assert.deepEqual(await Promise.all(answers.map(async (r) => [r.status, (await r.json()).status])), Array(10).fill([200, 'warmed']));
    assert.equal(probes(mock), 1);
  });

  it('gives the replica that waited the holder’s failure, then lets the next warm-up start again', async () => {
    const mock = await startMockUpstream('L40S');
    mock.healthStatus = 503;
    const [a, b] = await pair(mock, [{ timeout_ms: 500 }, { timeout_ms: 5_000 }]);
    assert.equal((await (await warm(a, false)).json()).status, 'warming');
    while (!mock.requests.some((r) => r.url === '/health')) await new Promise((r) => setTimeout(r, 10));

    const followed = await warm(b);
    assert.equal(followed.status, 502);
    const body = await followed.json();
    assert.equal(body.error.code, 'warmup_failed');
    assert.match(body.detail, /not warm after 500 ms/, 'A’s failure, not a timeout of B’s own');

    mock.healthStatus = 200;
    assert.equal((await (await warm(b)).json()).status, 'warmed');
    const seenByA = await (await fetch(`${a.url}/warmup/status/${MODEL}?gpu=L40S`)).json();
    assert.equal(seenByA.status, 'warmed');
  });
});
