import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedPort } from '../helpers/closed-port.js';
import { startGateway } from '../helpers/gateway-under-test.js';
import { startMockUpstream } from '../helpers/mock-upstream.js';

const MODEL = 'Qwen/Qwen3-0.6B';

describe('warming an upstream pool', () => {
  it('probes /health until it answers, then sends a 1-token completion', async () => {
    const mock = await startMockUpstream('L40S');
    mock.healthStatus = 503;
    const gw = await startGateway({ pools: [{ gpu: 'L40S', endpoints: [mock.url] }] });
    try {
      const cold = await (await fetch(`${gw.url}/warmup/status/${MODEL}?gpu=L40S`)).json();
      assert.deepEqual([cold.status, cold.kind, cold.device, cold.weights], ['cold', 'upstream', 'remote', 'remote']);
      const started = await (await fetch(`${gw.url}/api/warmup/${MODEL}?gpu=L40S`, { method: 'POST' })).json();
      assert.equal(started.status, 'warming');
      while (mock.requests.filter((r) => r.url === '/health').length < 2) await new Promise((r) => setTimeout(r, 20));
      assert.equal(mock.requests.filter((r) => r.url.endsWith('/chat/completions')).length, 0);
      mock.healthStatus = 200;
      const warmed = await (await fetch(`${gw.url}/api/v1/warmup/${MODEL}?gpu=L40S&wait=true`, { method: 'POST' })).json();
      assert.equal(warmed.status, 'warmed');
      const probe = mock.requests.find((r) => r.url.endsWith('/chat/completions'));
      assert.equal(probe?.body?.max_tokens, 1);
      assert.equal(probe?.body?.model, MODEL);
    } finally {
      await gw.close();
      await mock.close();
    }
  });

  it('gives up after warmup.timeout_ms, leaving the pool failed with the last probe error', async () => {
    const gw = await startGateway({ warmup: { timeout_ms: 400 }, pools: [{ gpu: 'L40S', endpoints: [`http://127.0.0.1:${await closedPort()}/v1`] }] });
    try {
      const response = await fetch(`${gw.url}/warmup/${MODEL}?gpu=L40S&wait=true`, { method: 'POST' });
      assert.equal(response.status, 502);
      assert.equal((await response.json()).error.code, 'warmup_failed');
      const status = await (await fetch(`${gw.url}/warmup/status/${MODEL}?gpu=L40S`)).json();
      assert.equal(status.status, 'failed');
      assert.match(status.error, /not warm after 400 ms.*ECONNREFUSED/);
    } finally {
      await gw.close();
    }
  });

  it('answers warm-up for a GPU the model does not support with 400, as chat does', async () => {
    const gw = await startGateway({ pools: [{ gpu: '*', endpoints: ['http://127.0.0.1:9/v1'] }] });
    try {
      const response = await fetch(`${gw.url}/warmup/meta-llama/Llama-3.1-70B-Instruct`, { method: 'POST', headers: { 'X-GPU-Preference': 'L4' } });
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error.code, 'unsupported_gpu');
    } finally {
      await gw.close();
    }
  });

  it('takes ?gpu= over the header, and the model default when neither is given', async () => {
    const gw = await startGateway({ pools: [{ gpu: '*', endpoints: ['http://127.0.0.1:9/v1'] }] });
    try {
      const byQuery = await (await fetch(`${gw.url}/warmup/status/${MODEL}?gpu=A100`, { headers: { 'X-GPU-Preference': 'L40S' } })).json();
      assert.equal(byQuery.gpu, 'A100');
      const byDefault = await fetch(`${gw.url}/warmup/status/${MODEL}`);
      assert.equal((await byDefault.json()).gpu, 'L4');
      assert.equal(byDefault.headers.get('x-selected-gpu'), 'L4');
    } finally {
      await gw.close();
    }
  });

  it('lists every configured pool in GET warmup/status, cold ones included', async () => {
    const gw = await startGateway({ pools: [{ gpu: 'L40S', models: [MODEL, 'qwen/qwen3-8b'], endpoints: ['http://127.0.0.1:9/v1'] }] });
    try {
      const { pools } = await (await fetch(`${gw.url}/api/warmup/status`)).json();
      assert.deepEqual(
        pools.map((p: { model: string; gpu: string; status: string }) => [p.model, p.gpu, p.status]),
        [[MODEL, 'L40S', 'cold'], ['Qwen/Qwen3-8B', 'L40S', 'cold']],
      );
    } finally {
      await gw.close();
    }
  });
});
