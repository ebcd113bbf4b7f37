import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHAT, readEvents, startFleet, type Fleet } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';
import { servedBy } from '../helpers/mock-upstream.js';
import type { ServingProcess } from '../helpers/spawn-cli.js';
import { parseRaw, rawExchange } from '../helpers/raw-request.js';
import { rawRequest, startProxyProcess } from './proxy-test-kit.js';

// client → proxy (child process) → gateway (in process, keys required) → one mock pool per GPU.
const KEY = 'sk-edge-proxy-test';
const AUTH = { authorization: `Bearer ${KEY}` };
const MODEL = 'Qwen/Qwen3-0.6B';

let fleet: Fleet;
let proxy: ServingProcess;
before(async () => {
  fleet = await startFleet({ auth: { api_keys: [KEY] } }, ['L4', 'L40S', 'A100']);
  proxy = await startProxyProcess(fleet.url);
});
after(async () => {
  const code = await proxy.stop();
  await fleet.close();
  assert.equal(code, 0, `the proxy exits 0 on SIGTERM:\n${proxy.output()}`);
});

function chatCalls(gpu: string): number {
  return fleet.mocks[gpu]!.requests.filter((r) => r.url.endsWith('/chat/completions')).length;
}

describe('edge proxy in front of a gateway', { timeout: 30_000 }, () => {
  it('keeps X-GPU-Preference on a chat completion, so the L40S pool answers', async () => {
    const others = { L4: chatCalls('L4'), A100: chatCalls('A100') };
    const response = await post(`${proxy.url}/api/v1/chat/completions`, CHAT, { ...AUTH, 'X-GPU-Preference': 'L40S', 'X-Request-Id': 'edge-1' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
    assert.equal(response.headers.get('x-request-id'), 'edge-1');
    const body = await response.json();
    assert.deepEqual(body.system_fingerprint, { selected_gpu: 'L40S' });
    assert.equal(body.choices[0].message.content, servedBy('L40S'));
    assert.deepEqual({ L4: chatCalls('L4'), A100: chatCalls('A100') }, others, 'no other pool was called');
  });

  it('keeps X-GPU-Preference on a stream, every chunk stamped with the A100', async () => {
    const response = await post(`${proxy.url}/api/chat/completions`, { ...CHAT, stream: true }, { ...AUTH, 'X-GPU-Preference': 'a100' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-selected-gpu'), 'A100');
    const events = await readEvents(response);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1) as Array<{ system_fingerprint: unknown; choices: Array<{ delta: { content?: string } }> }>;
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks) assert.deepEqual(chunk.system_fingerprint, { selected_gpu: 'A100' });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), servedBy('A100'));
  });

  it('relays the gateway\'s own errors unchanged (a bad spec in the header is its 400)', async () => {
    const response = await post(`${proxy.url}/api/v1/chat/completions`, CHAT, { ...AUTH, 'X-GPU-Preference': 'H100:3' });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.code, 'invalid_gpu_spec');
    assert.equal(body.error.param, 'X-GPU-Preference');
  });

  it('echoes the GPU of the header in warm-up status, the model id with its slash intact', async () => {
    const response = await fetch(`${proxy.url}/api/warmup/status/${MODEL}`, { headers: { ...AUTH, 'X-GPU-Preference': 'L40S' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
    const status = await response.json();
    assert.equal(status.gpu, 'L40S');
    assert.equal(status.model, MODEL);
  });

  it('passes the query string: ?gpu=A100 outranks the header on warm-up status', async () => {
    const status = await (await fetch(`${proxy.url}/api/warmup/status/${MODEL}?gpu=A100`, { headers: { ...AUTH, 'X-GPU-Preference': 'L40S' } })).json();
    assert.equal(status.gpu, 'A100');
  });

  it('warms a pool through it (POST with ?wait=true and the header)', async () => {
    const response = await fetch(`${proxy.url}/api/warmup/${MODEL}?wait=true`, { method: 'POST', headers: { ...AUTH, 'X-GPU-Preference': 'L4' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json().then((b) => [b.status, b.gpu]), ['warmed', 'L4']);
    assert.ok(fleet.mocks.L4!.requests.some((r) => r.url === '/health'), 'the gateway probed the L4 pool');
  });

  it('passes Authorization and X-API-Key: 401 without a key, 200 with either', async () => {
    const without = await fetch(`${proxy.url}/api/v1/models`);
    assert.equal(without.status, 401);
    assert.equal((await without.json()).error.code, 'invalid_api_key');
    assert.equal((await fetch(`${proxy.url}/api/v1/models`, { headers: AUTH })).status, 200);
    assert.equal((await fetch(`${proxy.url}/api/v1/models`, { headers: { 'X-API-Key': KEY } })).status, 200);
  });

  it('serves validate, models and capabilities through it', async () => {
    const validate = await post(`${proxy.url}/api/v1/capabilities/validate`, { model: MODEL, gpu: 'l40s' }, AUTH);
    assert.equal(validate.status, 200);
    assert.deepEqual(await validate.json().then((b) => [b.valid, b.gpu]), [true, 'L40S']);

    const models = await (await fetch(`${proxy.url}/api/v1/models`, { headers: AUTH })).json();
    assert.ok(models.data.some((m: { id: string }) => m.id === MODEL));

    const capabilities = await fetch(`${proxy.url}/api/v1/capabilities/models`, { headers: AUTH });
    assert.equal(capabilities.status, 200);
    const gpus = await fetch(`${proxy.url}/api/v1/capabilities/gpus`, { headers: AUTH });
    assert.equal(gpus.status, 200);
  });

  it('answers a CORS preflight itself, without a key, allowing the GPU header and what the SDK asks for', async () => {
    const response = await rawRequest(proxy.url, {
      method: 'OPTIONS',
      path: '/api/v1/chat/completions',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-gpu-preference, x-stainless-os' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
    const allowed = String(response.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    for (const name of ['authorization', 'content-type', 'x-gpu-preference', 'x-api-key', 'x-request-id', 'x-stainless-os']) assert.ok(allowed.includes(name), name);
    assert.match(String(response.headers['access-control-allow-methods']), /POST/);
  });

  it('gives browsers one Access-Control-Allow-Origin (the proxy\'s) and exposes X-Selected-GPU', async () => {
    const response = await rawRequest(proxy.url, { path: '/api/v1/models', headers: { ...AUTH, origin: 'https://app.example.com' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    const exposed = String(response.headers['access-control-expose-headers']).split(/,\s*/);
    assert.ok(exposed.includes('X-Selected-GPU') && exposed.includes('X-Request-Id'), exposed.join());
    assert.ok(response.headers['x-request-id'], 'the gateway\'s X-Request-Id comes back');
  });

  it('answers 404 in the error shape itself for a path outside /api, dot segments included', async () => {
    for (const path of ['/v1/models', '/apiv1/models', '/api/%2e%2e/v1/models', '/api/../health']) {
      const response = await rawRequest(proxy.url, { path, headers: AUTH });
      assert.equal(response.status, 404, path);
      const body = response.json();
      assert.equal(body.error.code, 'route_not_found', path);
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.detail, body.error.message);
      assert.match(body.detail, /\/api/);
    }
  });

  it('answers a request Node cannot parse with 400 in the error shape, and closes', async () => {
    const answer = parseRaw(await rawExchange(proxy.url, 'GET /api/v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
    assert.equal(answer.status, 400);
    assert.match(answer.headers, /\r\nconnection: close/);
    assert.equal(answer.body.error.code, 'invalid_request');
    assert.equal(answer.body.detail, answer.body.error.message);
  });
});
