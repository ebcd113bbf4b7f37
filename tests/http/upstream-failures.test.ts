import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort, silentServer } from '../helpers/closed-port.js';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { CHAT } from '../helpers/fleet.js';

describe('upstream failures', () => {
  let mock: MockUpstream;
  let gateway: RunningGateway;
  before(async () => {
    mock = await startMockUpstream('L4');
    gateway = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [mock.url] }] });
  });
  after(async () => {
    await gateway.close();
    await mock.close();
  });

  const cases: Array<[MockUpstream['mode'], number, string, RegExp]> = [
    ['status-500', 502, 'upstream_error', /answered 500: engine exploded/],
    ['garbage', 502, 'upstream_error', /not a JSON object: <html>not json/],
    ['status-401', 502, 'upstream_error', /refused the gateway's credentials \(401: bad token\).*api_key_env/],
  ];
  for (const [mode, status, code, detail] of cases) {
    it(`answers ${status} ${code} with a detail when the upstream sends ${mode}`, async () => {
      mock.mode = mode;
      const response = await post(`${gateway.url}/v1/chat/completions`, CHAT);
      mock.mode = 'ok';
      assert.equal(response.status, status);
      assert.equal(response.headers.get('x-selected-gpu'), 'L4');
      const body = await response.json();
      assert.equal(body.error.code, code);
      assert.match(body.detail, detail);
    });
  }

  it("passes an upstream 400 through with the upstream's message", async () => {
    mock.mode = 'status-400';
    const response = await post(`${gateway.url}/v1/chat/completions`, CHAT);
    mock.mode = 'ok';
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.detail, 'context too long');
    assert.deepEqual(body.error, { message: 'context too long', type: 'invalid_request_error', param: null, code: 'upstream_rejected' });
  });
});

describe('endpoint choice within a pool', () => {
  it('moves to the next endpoint when the connection is refused before anything was sent', async () => {
    const live = await startMockUpstream('live');
    const gateway = await startGateway({ pools: [{ gpu: 'L4', endpoints: [`http://127.0.0.1:${await closedPort()}/v1`, live.url] }] });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await post(`${gateway.url}/v1/chat/completions`, CHAT)).status, 200);
      assert.equal(live.requests.length, 4);
    } finally {
      await gateway.close();
      await live.close();
    }
  });

  it('answers 502 naming the endpoints when every connection is refused', async () => {
    const gateway = await startGateway({ pools: [{ gpu: 'L4', endpoints: [`http://127.0.0.1:${await closedPort()}/v1`, `http://127.0.0.1:${await closedPort()}/v1`] }] });
    try {
      const response = await post(`${gateway.url}/v1/chat/completions`, CHAT);
      assert.equal(response.status, 502);
      const body = await response.json();
      assert.equal(body.error.code, 'upstream_error');
      assert.match(body.detail, /ECONNREFUSED/);
    } finally {
      await gateway.close();
    }
  });

  it('answers 504 with a detail when the upstream never answers, within upstream.timeout_ms', async () => {
    const silent = await silentServer();
    const gateway = await startGateway({ upstream: { timeout_ms: 300 }, pools: [{ gpu: 'L4', endpoints: [silent.url] }] });
    try {
      const response = await post(`${gateway.url}/v1/chat/completions`, CHAT);
      assert.equal(response.status, 504);
      const body = await response.json();
      assert.equal(body.error.code, 'upstream_timeout');
      assert.match(body.detail, /did not answer in time.*upstream\.timeout_ms/);
    } finally {
      await gateway.close();
      await silent.close();
    }
  });

  it('sends each call to the endpoint with the fewest requests in flight', async () => {
    const busy = await startMockUpstream('busy');
    const idle = await startMockUpstream('idle');
    const gateway = await startGateway({ pools: [{ gpu: 'L4', endpoints: [busy.url, idle.url] }] });
    try {
      busy.mode = 'hold';
      idle.mode = 'hold';
      const first = post(`${gateway.url}/v1/chat/completions`, CHAT);
      while (busy.requests.length + idle.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const [holder, other] = busy.requests.length ? [busy, idle] : [idle, busy];
      other.mode = 'ok';
      for (let i = 0; i < 3; i++) assert.equal((await post(`${gateway.url}/v1/chat/completions`, CHAT)).status, 200);
      assert.equal(holder.requests.length, 1);
      assert.equal(other.requests.length, 3);
      holder.release();
      assert.equal((await first).status, 200);
    } finally {
      await gateway.close();
      await busy.close();
      await idle.close();
    }
  });

  it('sends the pool key from api_key_env as a Bearer token', async () => {
    const mock = await startMockUpstream('keyed');
    const gateway = await startGateway({ pools: [{ gpu: 'L4', endpoints: [mock.url], api_key_env: 'UPSTREAM_KEY' }] }, { UPSTREAM_KEY: 'up-secret' });
    try {
      await post(`${gateway.url}/v1/chat/completions`, CHAT);
      assert.equal(mock.requests[0]?.headers.authorization, 'Bearer up-secret');
      mock.mode = 'status-401';
      const refused = await post(`${gateway.url}/v1/chat/completions`, CHAT);
      const text = await refused.text();
      assert.equal(refused.status, 502);
      assert.match(text, /UPSTREAM_KEY|api_key_env/);
      assert.ok(!text.includes('up-secret'), 'the upstream key never reaches a caller');
    } finally {
      await gateway.close();
      await mock.close();
    }
  });
});
