import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { post, startGateway } from '../helpers/gateway-under-test.js';
import { modelsDirWithTestModel, workerPids } from '../helpers/test-model.js';

// Bounds on local workers: how many processes run at once, and how long one call may take.

const MODEL = 'Qwen/Qwen3-0.6B';

function warm(url: string, gpu: string): Promise<Response> {
  return fetch(`${url}/warmup/${MODEL}?gpu=${gpu}&wait=true`, { method: 'POST' });
}

async function status(url: string, gpu: string): Promise<string> {
  return ((await (await fetch(`${url}/warmup/status/${MODEL}?gpu=${gpu}`)).json()) as { status: string }).status;
}

describe('evicting an idle worker to start another', () => {
  it('never runs more than workers.max_live processes, even while the next one starts, and starts it once', async () => {
    const gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel(), max_live: 1 }, pools: [{ kind: 'local' }] });
    try {
      assert.equal((await (await warm(gw.url, 'L4')).json()).status, 'warmed');
      const [evicted] = await workerPids();
      let most = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          most = Math.max(most, (await workerPids()).length);
          await sleep(5);
        }
      })();
      const answers = await Promise.all(Array.from({ length: 5 }, () => warm(gw.url, 'A100')));
      sampling = false;
      await sampler;
      assert.deepEqual(await Promise.all(answers.map(async (r) => (await r.json()).status)), Array(5).fill('warmed'));
      assert.equal(most, 1, 'worker processes seen at once while A100 started');
      const now = await workerPids();
      assert.equal(now.length, 1);
      assert.notEqual(now[0], evicted);
      assert.equal(await status(gw.url, 'L4'), 'cold');
    } finally {
      await gw.close();
    }
  });
});

describe('calls to a local worker', () => {
  it('are bounded by upstream.timeout_ms like calls to any upstream; warmup.timeout_ms bounds only the start', async () => {
    const gw = await startGateway({
      workers: { models_dir: await modelsDirWithTestModel() },
      upstream: { timeout_ms: 300 },
      warmup: { timeout_ms: 60_000 },
      pools: [{ kind: 'local' }],
    });
    try {
      // Starting takes seconds, far past upstream.timeout_ms.
      assert.equal((await (await warm(gw.url, 'L4')).json()).status, 'warmed');
      const long = { model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 1000, temperature: 0 };
      const response = await post(`${gw.url}/v1/chat/completions`, long, { 'X-GPU-Preference': 'L4' });
      assert.equal(response.status, 504);
      assert.equal((await response.json()).error.code, 'upstream_timeout');
    } finally {
      await gw.close();
    }
  });
});
