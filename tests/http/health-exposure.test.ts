import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway-under-test.js';

const POOLS = { pools: [{ gpu: '*', endpoints: ['http://127.0.0.1:9/v1'] }] };
const KEY = 'sk-health-details';

async function health(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/health`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /health and its details', () => {
  it('with API keys configured: only the status without a key (or with a wrong one), the details with a key', async () => {
    const gw = await startGateway({ ...POOLS, auth: { api_keys: [KEY] } });
    try {
      assert.deepEqual(await health(gw.url), { status: 200, body: { status: 'ok' } });
      assert.deepEqual(await health(gw.url, { authorization: 'Bearer sk-wrong' }), { status: 200, body: { status: 'ok' } });
      for (const headers of [{ authorization: `Bearer ${KEY}` }, { 'x-api-key': KEY }] as Array<Record<string, string>>) {
        const { status, body } = await health(gw.url, headers);
        assert.equal(status, 200);
        assert.equal(body.status, 'ok');
        for (const detail of ['started', 'models', 'weights', 'pools']) assert.ok(detail in body, `${detail} shown to a caller with a key`);
      }
    } finally {
      await gw.close();
    }
  });

  it('without keys configured: the details to everyone, as before', async () => {
    const gw = await startGateway(POOLS);
    try {
      const { status, body } = await health(gw.url);
      assert.equal(status, 200);
      for (const detail of ['started', 'models', 'weights', 'pools']) assert.ok(detail in body, detail);
    } finally {
      await gw.close();
    }
  });
});
