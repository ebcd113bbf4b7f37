import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post } from '../helpers/gateway-under-test.js';
import { CHAT, startFleet, type Fleet } from '../helpers/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await startFleet({ limits: { body_bytes: 4096 } }, ['L4']);
});
after(() => fleet.close());

async function expectError(response: Response, status: number, code: string, param?: string, message?: RegExp) {
  assert.equal(response.status, status);
  const body = await response.json();
  assert.equal(body.error.code, code);
  assert.equal(body.detail, body.error.message);
  if (param !== undefined) assert.equal(body.error.param, param);
  if (message) assert.match(body.detail, message);
}

describe('malformed chat requests get a 400 that names the field', () => {
  it('refuses JSON that does not parse', async () => {
    await expectError(await post(`${fleet.url}/v1/chat/completions`, '{"model": "Qwen/Qwen3-0.6B",'), 400, 'invalid_json', 'body', /not valid JSON/);
  });

  it('refuses a body that is not an object', async () => {
    await expectError(await post(`${fleet.url}/v1/chat/completions`, '[1,2]'), 400, 'invalid_request', 'body');
  });

  it('refuses a missing messages field', async () => {
    await expectError(await post(`${fleet.url}/v1/chat/completions`, { model: CHAT.model }), 400, 'invalid_request', 'messages', /messages is required/);
  });

  it('refuses a missing model', async () => {
    await expectError(await post(`${fleet.url}/v1/chat/completions`, { messages: CHAT.messages }), 400, 'invalid_request', 'model', /model is required/);
  });

  const wrongTypes: Array<[string, unknown, string]> = [
    ['messages', 'hi', 'messages'],
    ['temperature', 'hot', 'temperature'],
    ['max_tokens', 1.5, 'max_tokens'],
    ['stream', 'yes', 'stream'],
    ['model', 7, 'model'],
    ['gpu_preference', ['L4'], 'gpu_preference'],
  ];
  for (const [field, value, param] of wrongTypes) {
    it(`refuses ${field} = ${JSON.stringify(value)}`, async () => {
      await expectError(await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, [field]: value }), 400, 'invalid_request', param, new RegExp(param.replace(/[[\]]/g, '\\$&')));
    });
  }

  it('refuses a message without a role, naming the message', async () => {
    await expectError(await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, messages: [{ content: 'no role' }] }), 400, 'invalid_request', 'messages[0].role', /role is required/);
  });

  it('refuses a body over limits.body_bytes with 413', async () => {
    const big = { ...CHAT, messages: [{ role: 'user', content: 'x'.repeat(5000) }] };
    await expectError(await post(`${fleet.url}/v1/chat/completions`, big), 413, 'body_too_large', undefined, /limits\.body_bytes/);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await fetch(`${fleet.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    await expectError(response, 415, 'unsupported_media_type', undefined, /application\/json/);
  });

  it('never refuses unknown fields', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, totally_new_option: { nested: true }, logit_bias: { '1': 2 } });
    assert.equal(response.status, 200);
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    await expectError(await fetch(`${fleet.url}/v1/nothing-here`), 404, 'route_not_found', undefined, /docs\/api\.md/);
  });
});
