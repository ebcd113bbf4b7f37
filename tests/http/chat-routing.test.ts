import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { servedBy } from '../helpers/mock-upstream.js';
import { post } from '../helpers/gateway-under-test.js';
import { CHAT, readEvents, startFleet, type Fleet } from '../helpers/fleet.js';

let fleet: Fleet;
before(async () => {
  fleet = await startFleet();
});
after(() => fleet.close());
beforeEach(() => {
  for (const mock of Object.values(fleet.mocks)) mock.requests.length = 0;
});

const PREFIXES = ['', '/v1', '/api', '/api/v1'];

describe('POST chat/completions routes each call to the GPU it names', () => {
  // First, while no pool of the model has served anything yet.
  it('uses the model default, the cheapest allowed GPU, when nothing is asked and nothing is warm', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, CHAT);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-selected-gpu'), 'L4');
    assert.deepEqual(fleet.reached(), ['L4']);
  });

  it('prefers a warm pool of the model over its cold default when nothing is asked', async () => {
    const other = { ...CHAT, model: 'Qwen/Qwen3-1.7B' };
    await post(`${fleet.url}/v1/chat/completions`, other, { 'X-GPU-Preference': 'A100' });
    fleet.mocks.A100!.requests.length = 0;
    const response = await post(`${fleet.url}/v1/chat/completions`, other);
    assert.equal(response.headers.get('x-selected-gpu'), 'A100');
    assert.deepEqual(fleet.reached(), ['A100']);
  });

  for (const gpu of ['L40S', 'A100', 'H100:2']) {
    it(`sends X-GPU-Preference: ${gpu} to the ${gpu} pool and says so`, async () => {
      const response = await post(`${fleet.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': gpu });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-selected-gpu'), gpu);
      const body = await response.json();
      assert.deepEqual(body.system_fingerprint, { selected_gpu: gpu });
      assert.equal(body.choices[0].message.content, servedBy(gpu));
      assert.deepEqual(fleet.reached(), [gpu]);
    });
  }

  it('lets the body field beat the header', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, gpu_preference: 'h100:2' }, { 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).system_fingerprint.selected_gpu, 'H100:2');
    assert.deepEqual(fleet.reached(), ['H100:2']);
  });

  for (const prefix of PREFIXES) {
    it(`is served at ${prefix || '/'}chat/completions`.replace('//', '/'), async () => {
      const response = await post(`${fleet.url}${prefix}/chat/completions`, CHAT, { 'X-GPU-Preference': 'A100' });
      assert.equal(response.status, 200);
      assert.equal((await response.json()).system_fingerprint.selected_gpu, 'A100');
    });
  }

  it('echoes the model id as the client wrote it', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, model: 'qwen/QWEN3-0.6b' });
    assert.equal((await response.json()).model, 'qwen/QWEN3-0.6b');
  });

  it('drops gpu_preference and forwards every other field exactly as sent', async () => {
    const extra = { thinking_budget: 128, chat_template_kwargs: { enable_thinking: false }, temperature: 0.2, some_future_field: [1, { a: null }] };
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, ...extra, gpu_preference: 'L40S' });
    assert.equal(response.status, 200);
    const seen = fleet.mocks.L40S!.requests[0]!.body!;
    assert.equal('gpu_preference' in seen, false);
    assert.deepEqual(seen, { ...CHAT, ...extra });
  });

  it('forwards a body without gateway-only fields byte for byte', async () => {
    const text = '{ "messages" : [{"role":"user","content":"h\\u00e9 ✓"}],\n  "model":"Qwen/Qwen3-0.6B", "n": 1.0 }';
    const response = await post(`${fleet.url}/v1/chat/completions`, text, { 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    assert.equal(fleet.mocks.L40S!.requests[0]!.raw, text);
  });

  it('reports its own overhead, which excludes the time spent waiting on the upstream', async () => {
    const mock = fleet.mocks.L40S!;
    mock.mode = 'hold';
    const started = performance.now();
    const pending = post(`${fleet.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': 'L40S' });
    while (mock.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 300));
    mock.mode = 'ok';
    mock.release();
    const response = await pending;
    const total = performance.now() - started;
    const overhead = Number(response.headers.get('x-gateway-overhead-ms'));
    assert.ok(total >= 300);
    assert.ok(overhead >= 0 && overhead < 300, `overhead ${overhead} ms of ${total} ms`);
  });

  it('does not forward the caller\'s gateway key to the upstream', async () => {
    await post(`${fleet.url}/v1/chat/completions`, CHAT, { authorization: 'Bearer caller-secret', 'X-GPU-Preference': 'L40S' });
    assert.equal(fleet.mocks.L40S!.requests[0]!.headers.authorization, undefined);
  });
});

describe('streaming chat/completions', () => {
  it('passes SSE through and stamps every chunk with the selected GPU and the requested model', async () => {
    const response = await post(`${fleet.url}/api/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
    const events = await readEvents(response);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1) as Array<{ system_fingerprint: unknown; model: string; choices: Array<{ delta: { content?: string } }> }>;
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks) {
      assert.deepEqual(chunk.system_fingerprint, { selected_gpu: 'L40S' });
      assert.equal(chunk.model, CHAT.model);
    }
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), servedBy('L40S'));
  });

  it('ends with an error event when the upstream dies mid-stream', async () => {
    fleet.mocks.A100!.mode = 'die-mid-stream';
    try {
      const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'A100' });
      assert.equal(response.status, 200);
      const events = (await readEvents(response)) as Array<{ error?: { code: string }; detail?: string }>;
      const last = events.at(-1);
      assert.equal(last?.error?.code, 'upstream_error');
      // The endpoint by its place in the config; its URL is for the log only (issue 14 §9).
      assert.match(last?.detail ?? '', /^Upstream endpoint 1 of the A100 pool \(pools\[\d+\]\) failed: /);
      assert.doesNotMatch(last?.detail ?? '', /127\.0\.0\.1|http:/);
    } finally {
      fleet.mocks.A100!.mode = 'ok';
    }
  });
});

describe('refusals never reach an upstream', () => {
  it('answers 400 for a GPU the model does not support, naming what is allowed and the cheapest', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, model: 'meta-llama/Llama-3.1-70B-Instruct' }, { 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.code, 'unsupported_gpu');
    assert.equal(body.error.param, 'X-GPU-Preference');
    assert.equal(body.detail, body.error.message);
    assert.match(body.detail, /L40S cannot hold its weights at any context\. Supported at 8192 tokens of context, cheapest first: .*Cheapest: A100-80GB:2/);
    assert.deepEqual(fleet.reached(), []);
  });

  for (const spec of ['H100:0', 'H100:9', 'V100', 'A100;rm']) {
    it(`answers 400 invalid_gpu_spec for ${spec}`, async () => {
      const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, gpu_preference: spec });
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.error.code, 'invalid_gpu_spec');
      assert.equal(body.error.param, 'gpu_preference');
      assert.deepEqual(fleet.reached(), []);
    });
  }

  it('answers 404 for an unknown model and says where models are listed', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, { ...CHAT, model: 'acme/unknown-7b' });
    assert.equal(response.status, 404);
    const body = await response.json();
    assert.equal(body.error.code, 'model_not_found');
    assert.match(body.detail, /GET \/v1\/models/);
  });

  it('answers 503 naming the missing pool when no pool serves (model, gpu)', async () => {
    const response = await post(`${fleet.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': 'B200' });
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.error.code, 'no_pool');
    assert.match(body.detail, /No pool serves Qwen\/Qwen3-0\.6B on B200\. Pools serve it on: L4, L40S, A100, H100:2/);
  });
});
