import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MOCK_EMBEDDING, servedBy, type RecordedRequest } from '../helpers/mock-upstream.js';
import { post } from '../helpers/gateway-under-test.js';
import { readEvents, startFleet, type Fleet } from '../helpers/fleet.js';

const KEY = 'sk-routed-calls';
const AUTH = { authorization: `Bearer ${KEY}` };
const MODEL = 'Qwen/Qwen3-0.6B';
const PREFIXES = ['', '/v1', '/api', '/api/v1'];

/** Each routed route besides chat, with a minimal body and what its answer must show. */
const ROUTES = [
  { path: '/completions', body: { model: MODEL, prompt: 'hi', max_tokens: 4 }, text: (body: any) => body.choices[0].text, fingerprint: true },
  { path: '/embeddings', body: { model: MODEL, input: ['hi'], encoding_format: 'float' }, text: (body: any) => body.data[0].embedding, fingerprint: false },
  { path: '/responses', body: { model: MODEL, input: 'hi', metadata: { team: 'search' } }, text: (body: any) => body.output[0].content[0].text, fingerprint: false },
] as const;

let fleet: Fleet;
before(async () => {
  fleet = await startFleet({ auth: { api_keys: [KEY] } });
});
after(() => fleet.close());
beforeEach(() => {
  for (const mock of Object.values(fleet.mocks)) mock.requests.length = 0;
});

/** Every request the mocks received, with the pool that received it. */
function received(): Array<RecordedRequest & { gpu: string }> {
  return Object.entries(fleet.mocks).flatMap(([gpu, mock]) => mock.requests.map((request) => ({ ...request, gpu })));
}

const expectedText = (route: (typeof ROUTES)[number], gpu: string) => (route.path === '/embeddings' ? MOCK_EMBEDDING : servedBy(gpu));

for (const route of ROUTES) {
  describe(`POST ${route.path}`, () => {
    for (const prefix of PREFIXES) {
      it(`is served at ${prefix}${route.path}, sent to the pool X-GPU-Preference names, at the same upstream path`, async () => {
        const response = await post(`${fleet.url}${prefix}${route.path}`, route.body, { ...AUTH, 'X-GPU-Preference': 'a100' });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-selected-gpu'), 'A100');
        assert.deepEqual(route.text(await response.json()), expectedText(route, 'A100'));
        assert.deepEqual(received().map((r) => [r.gpu, r.method, r.url]), [['A100', 'POST', `/v1${route.path}`]]);
      });
    }

    it('lets gpu_preference in the body beat the header, and does not forward it', async () => {
      const response = await post(`${fleet.url}/v1${route.path}`, { ...route.body, gpu_preference: 'h100:2' }, { ...AUTH, 'X-GPU-Preference': 'L40S' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-selected-gpu'), 'H100:2');
      const [seen] = received();
      assert.equal(seen?.gpu, 'H100:2');
      assert.deepEqual(seen?.body, route.body);
    });

    it('forwards a body without gateway-only fields byte for byte', async () => {
      const text = JSON.stringify(route.body, null, 1);
      await post(`${fleet.url}/v1${route.path}`, text, { ...AUTH, 'X-GPU-Preference': 'L40S' });
      assert.equal(received()[0]?.raw, text);
    });

    it(route.fingerprint ? 'stamps system_fingerprint.selected_gpu and the model as requested' : 'stamps the model as requested; the GPU is in the header only', async () => {
      const response = await post(`${fleet.url}/v1${route.path}`, { ...route.body, model: 'qwen/QWEN3-0.6b' }, { ...AUTH, 'X-GPU-Preference': 'L40S' });
      const body = await response.json();
      assert.equal(body.model, 'qwen/QWEN3-0.6b');
      if (route.fingerprint) assert.deepEqual(body.system_fingerprint, { selected_gpu: 'L40S' });
      else assert.equal('system_fingerprint' in body, false);
    });

    it('asks for a key before anything else', async () => {
      const response = await post(`${fleet.url}/v1${route.path}`, route.body, { 'X-GPU-Preference': 'L40S' });
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, 'invalid_api_key');
      assert.deepEqual(received(), []);
    });

    it('refuses a body without the model, naming the field, before any upstream', async () => {
      const { model: _model, ...rest } = route.body;
      const response = await post(`${fleet.url}/v1${route.path}`, rest, AUTH);
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.error.code, 'invalid_request');
      assert.equal(body.error.param, 'model');
      assert.deepEqual(received(), []);
    });

    it('refuses a GPU the model cannot use, as chat does', async () => {
      const response = await post(`${fleet.url}/v1${route.path}`, { ...route.body, gpu_preference: 'V100' }, AUTH);
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error.code, 'invalid_gpu_spec');
      assert.deepEqual(received(), []);
    });
  });
}

describe('what the routes read from their bodies', () => {
  for (const [path, body, param] of [
    ['/completions', { model: MODEL }, 'prompt'],
    ['/completions', { model: MODEL, prompt: { text: 'hi' } }, 'prompt'],
    ['/embeddings', { model: MODEL, input: 3 }, 'input'],
    ['/embeddings', { model: MODEL, input: 'hi', encoding_format: 1 }, 'encoding_format'],
    ['/responses', { model: MODEL, instructions: ['be brief'] }, 'instructions'],
    ['/responses', { model: MODEL, stream: 'yes' }, 'stream'],
  ] as const) {
    it(`answers 400 naming ${param} for ${JSON.stringify(body)} at ${path}`, async () => {
      const response = await post(`${fleet.url}/v1${path}`, body, AUTH);
      assert.equal(response.status, 400);
      assert.equal((await response.json()).error.param, param);
    });
  }

  it('lets unknown fields through to the upstream', async () => {
    const body = { model: MODEL, input: 'hi', dimensions: 2, vendor_field: { nested: [1, null] } };
    const response = await post(`${fleet.url}/v1/embeddings`, body, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    assert.deepEqual(received()[0]?.body, body);
  });
});

describe('streaming', () => {
  it('passes text completion chunks through, each stamped with the GPU and the model as requested', async () => {
    const response = await post(`${fleet.url}/api/completions`, { model: 'qwen/qwen3-0.6b', prompt: 'hi', stream: true }, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
    assert.equal(received()[0]?.headers.accept, 'text/event-stream');
    const events = await readEvents(response);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1) as Array<{ model: string; system_fingerprint: unknown; choices: Array<{ text: string }> }>;
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks) {
      assert.deepEqual(chunk.system_fingerprint, { selected_gpu: 'L40S' });
      assert.equal(chunk.model, 'qwen/qwen3-0.6b');
    }
    assert.equal(chunks.map((c) => c.choices[0]?.text).join(''), servedBy('L40S'));
  });

  it('passes Responses events through byte for byte', async () => {
    const body = { model: 'qwen/qwen3-0.6b', input: 'hi', stream: true };
    const through = await post(`${fleet.url}/v1/responses`, body, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    assert.equal(through.status, 200);
    assert.equal(through.headers.get('x-selected-gpu'), 'L40S');
    const relayed = await through.text();
    const direct = await (await post(`${fleet.mocks.L40S!.url}/responses`, body)).text();
    assert.equal(relayed, direct);
    assert.match(relayed, /^event: response\.created\n/);
    assert.match(relayed, /event: response\.completed\ndata: \{"type":"response\.completed"/);
  });

  it('ends a Responses stream with the error event when the upstream dies mid-stream', async () => {
    fleet.mocks.A100!.mode = 'die-mid-stream';
    try {
      const response = await post(`${fleet.url}/v1/responses`, { model: MODEL, input: 'hi', stream: true }, { ...AUTH, 'X-GPU-Preference': 'A100' });
      const events = (await readEvents(response)) as Array<{ type?: string; error?: { code: string } }>;
      assert.equal(events[0]?.type, 'response.created');
      assert.equal(events.at(-1)?.error?.code, 'upstream_error');
    } finally {
      fleet.mocks.A100!.mode = 'ok';
    }
  });
});

describe('GET models/{id}', () => {
  const entry = { id: MODEL, object: 'model', owned_by: 'Qwen' };
  for (const prefix of PREFIXES) {
    for (const id of ['Qwen%2FQwen3-0.6B', 'Qwen/Qwen3-0.6B', 'qwen%2fqwen3-0.6b']) {
      it(`answers ${prefix}/models/${id} with the list's entry`, async () => {
        const response = await fetch(`${fleet.url}${prefix}/models/${id}`, { headers: AUTH });
        assert.equal(response.status, 200);
        const { created, ...rest } = await response.json();
        assert.deepEqual(rest, entry);
        assert.equal(typeof created, 'number');
      });
    }
  }

  it('answers a fine-tune id under its own id', async () => {
    const response = await fetch(`${fleet.url}/v1/models/ft:Qwen%2FQwen3-0.6B:acme`, { headers: AUTH });
    assert.equal((await response.json()).id, 'ft:Qwen/Qwen3-0.6B:acme');
  });

  for (const id of ['acme%2Funknown-7b', 'acme/unknown-7b']) {
    it(`answers 404 model_not_found in the OpenAI error shape for ${id}`, async () => {
      const response = await fetch(`${fleet.url}/v1/models/${id}`, { headers: AUTH });
      assert.equal(response.status, 404);
      const body = await response.json();
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(body.error.code, 'model_not_found');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.param, 'model');
      assert.match(body.error.message, /acme\/unknown-7b/);
      assert.equal(body.detail, body.error.message);
    });
  }

  it('asks for a key', async () => {
    assert.equal((await fetch(`${fleet.url}/v1/models/${MODEL}`)).status, 401);
  });
});

describe('metrics of the new routes', () => {
  it('label each call by route pattern, never by the id in the path', async () => {
    await post(`${fleet.url}/v1/completions`, ROUTES[0].body, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    await post(`${fleet.url}/v1/embeddings`, ROUTES[1].body, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    await post(`${fleet.url}/v1/responses`, ROUTES[2].body, { ...AUTH, 'X-GPU-Preference': 'L40S' });
    for (const id of ['Qwen%2FQwen3-0.6B', 'acme/unknown-1', 'acme/unknown-2']) await fetch(`${fleet.url}/v1/models/${id}`, { headers: AUTH });
    const text = await (await fetch(`${fleet.url}/metrics`, { headers: AUTH })).text();
    for (const route of ['/v1/completions', '/v1/embeddings', '/v1/responses']) {
      assert.match(text, new RegExp(`gpuroute_requests_total\\{route="${route}",method="POST",status="200",model="${MODEL}",gpu="L40S"\\} \\d+`));
    }
    assert.match(text, /gpuroute_requests_total\{route="\/v1\/models\/\*",method="GET",status="404",model="none",gpu="none"\} \d+/);
    assert.doesNotMatch(text, /unknown-1/);
  });
});
