import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post } from '../helpers/gateway-under-test.js';
import { CHAT, startFleet, type Fleet } from '../helpers/fleet.js';

const KEY = 'sk-gpuroute-test-key';
let fleet: Fleet;
before(async () => {
  fleet = await startFleet({ auth: { api_keys: [KEY, 'sk-second-key'] } });
});
after(() => fleet.close());

describe('auth', () => {
  it('refuses a call with no key, saying how to send one', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, CHAT);
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.equal(body.error.code, 'invalid_api_key');
    assert.equal(body.error.type, 'authentication_error');
    assert.match(body.detail, /Authorization: Bearer/);
  });

  it('accepts a Bearer key, with the header name and scheme in any case', async () => {
    for (const [name, value] of [['Authorization', `Bearer ${KEY}`], ['AUTHORIZATION', `bearer ${KEY}`], ['authorization', 'Bearer sk-second-key']]) {
      const response = await post(`${fleet.url}/v1/chat/completions`, CHAT, { [name as string]: value as string });
      assert.equal(response.status, 200, `${name}: ${value}`);
    }
  });

  it('accepts X-API-Key', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, CHAT, { 'X-API-Key': KEY });
    assert.equal(response.status, 200);
  });

  it('checks the key before anything else: a bad key with a bad GPU and a bad body is 401', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, '{not json', { authorization: 'Bearer wrong', 'X-GPU-Preference': 'H100:9' });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).error.code, 'invalid_api_key');
  });

  it('protects every route but health', async () => {
    for (const path of ['/v1/models', '/v1/capabilities/gpus', '/api/v1/capabilities/models']) {
      assert.equal((await fetch(`${fleet.url}${path}`)).status, 401, path);
    }
    assert.equal((await post(`${fleet.url}/v1/capabilities/validate`, { model: 'Qwen/Qwen3-0.6B' })).status, 401);
    assert.equal((await fetch(`${fleet.url}/warmup/Qwen/Qwen3-0.6B`, { method: 'POST', headers: { 'X-GPU-Preference': 'H100:9' } })).status, 401);
    assert.equal((await fetch(`${fleet.url}/api/warmup/status/Qwen/Qwen3-0.6B`)).status, 401);
    assert.equal((await fetch(`${fleet.url}/api/v1/warmup/status`)).status, 401);
    assert.equal((await fetch(`${fleet.url}/health`)).status, 200);
    assert.equal((await fetch(`${fleet.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })).status, 200);
  });
});

describe('CORS', () => {
  it('answers a preflight without a key, allowing the GPU header', async () => {
    const response = await fetch(`${fleet.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-gpu-preference, x-stainless-os' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'x-gpu-preference', 'x-stainless-os']) assert.ok(allowed.includes(header), header);
    assert.equal(response.headers.get('access-control-allow-credentials'), null);
  });

  it('lists the GPU header as allowed even when the preflight asks for nothing', async () => {
    const response = await fetch(`${fleet.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /X-GPU-Preference/);
  });

  it('exposes X-Selected-GPU and X-Request-Id to browsers', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, CHAT, { authorization: `Bearer ${KEY}`, origin: 'https://app.example' });
    const exposed = response.headers.get('access-control-expose-headers') ?? '';
    assert.match(exposed, /X-Selected-GPU/);
    assert.match(exposed, /X-Request-Id/);
  });
});

describe('configured CORS origins', () => {
  let strict: Fleet;
  before(async () => {
    strict = await startFleet({ cors: { origins: ['https://app.example'] } }, ['L4']);
  });
  after(() => strict.close());

  it('allows only the listed origins', async () => {
    const ok = await fetch(`${strict.url}/v1/models`, { headers: { origin: 'https://app.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await fetch(`${strict.url}/v1/models`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('request ids', () => {
  it('keeps a sane X-Request-Id and replaces one that is not', async () => {
    const kept = await fetch(`${fleet.url}/health`, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'abc-123');
    const replaced = await fetch(`${fleet.url}/health`, { headers: { 'x-request-id': 'bad id <script>' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
