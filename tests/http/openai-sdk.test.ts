import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MOCK_EMBEDDING, servedBy } from '../helpers/mock-upstream.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';

const KEY = 'sk-sdk-test-key';
let fleet: Fleet;
let client: OpenAI;
before(async () => {
  fleet = await startFleet({ auth: { api_keys: [KEY] } });
  client = new OpenAI({ apiKey: KEY, baseURL: `${fleet.url}/v1`, defaultHeaders: { 'X-GPU-Preference': 'L40S' }, maxRetries: 0 });
});
after(() => fleet.close());
beforeEach(() => {
  for (const mock of Object.values(fleet.mocks)) mock.requests.length = 0;
});

const MODEL = 'Qwen/Qwen3-0.6B';
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('the official openai package as a client', () => {
  it('gets a completion from the pool its default header names', async () => {
    const completion = await client.chat.completions.create({ model: 'Qwen/Qwen3-0.6B', messages });
    assert.equal(completion.choices[0]?.message.content, servedBy('L40S'));
    assert.deepEqual(completion.system_fingerprint as unknown, { selected_gpu: 'L40S' });
  });

  it('streams from that pool, every chunk stamped', async () => {
    const stream = await client.chat.completions.create({ model: 'Qwen/Qwen3-0.6B', messages, stream: true });
    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.deepEqual(chunk.system_fingerprint as unknown, { selected_gpu: 'L40S' });
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.ok(chunks >= 3);
    assert.equal(text, servedBy('L40S'));
  });

  it('lets gpu_preference in the body beat the default header', async () => {
    const completion = await client.chat.completions.create({ model: 'Qwen/Qwen3-0.6B', messages, gpu_preference: 'H100:2' } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    assert.equal(completion.choices[0]?.message.content, servedBy('H100:2'));
  });

  it('shows the gateway message and code when a GPU is refused', async () => {
    const refusing = client.withOptions({ defaultHeaders: { 'X-GPU-Preference': 'V100' } });
    await assert.rejects(refusing.chat.completions.create({ model: 'Qwen/Qwen3-0.6B', messages }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.code, 'invalid_gpu_spec');
      assert.match(error.message, /Unknown GPU type: V100/);
      return true;
    });
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes('Qwen/Qwen3-0.6B'));
  });
});

// The calls the SDK makes beyond chat (issue 12 §3, gateway side).
describe('the openai package beyond chat', () => {
  it('retrieves a model whose id holds a slash (the SDK percent-encodes it)', async () => {
    const model = await client.models.retrieve(MODEL);
    assert.equal(model.id, MODEL);
    assert.equal(model.object, 'model');
    assert.equal(model.owned_by, 'Qwen');
  });

  it('gets NotFoundError with code model_not_found for an unknown model', async () => {
    await assert.rejects(client.models.retrieve('acme/unknown-7b'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.code, 'model_not_found');
      assert.match(error.message, /acme\/unknown-7b/);
      return true;
    });
  });

  it('creates a text completion on the pool its header names, stamped with the GPU', async () => {
    const completion = await client.completions.create({ model: MODEL, prompt: 'Say hi', max_tokens: 4 });
    assert.equal(completion.choices[0]?.text, servedBy('L40S'));
    assert.deepEqual(completion.system_fingerprint as unknown, { selected_gpu: 'L40S' });
    assert.equal(fleet.mocks.L40S!.requests[0]?.url, '/v1/completions');
  });

  it('streams a text completion, every chunk stamped', async () => {
    const stream = await client.completions.create({ model: MODEL, prompt: 'Say hi', stream: true });
    let text = '';
    for await (const chunk of stream) {
      assert.deepEqual(chunk.system_fingerprint as unknown, { selected_gpu: 'L40S' });
      text += chunk.choices[0]?.text ?? '';
    }
    assert.equal(text, servedBy('L40S'));
  });

  it('creates embeddings with the default base64 encoding, passed through for the SDK to decode', async () => {
    const result = await client.embeddings.create({ model: MODEL, input: ['hello', 'world'] });
    const sent = fleet.mocks.L40S!.requests[0]!;
    assert.equal(sent.body?.encoding_format, 'base64');
    assert.deepEqual(
      result.data.map((d) => d.embedding),
      [MOCK_EMBEDDING, MOCK_EMBEDDING],
    );
    assert.equal(result.model, MODEL);
  });

  it('lets gpu_preference in the embeddings body beat the header', async () => {
    await client.embeddings.create({ model: MODEL, input: 'hello', gpu_preference: 'A100' } as OpenAI.EmbeddingCreateParams);
    assert.equal(fleet.mocks.A100!.requests.length, 1);
    assert.equal('gpu_preference' in fleet.mocks.A100!.requests[0]!.body!, false);
  });

  it('creates a response, and reads its text', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Say hi' });
    assert.equal(response.output_text, servedBy('L40S'));
    assert.equal(response.model, MODEL);
  });

  it('streams a response: created, text deltas, text done, completed', async () => {
    const stream = await client.responses.create({ model: MODEL, input: 'Say hi', stream: true, gpu_preference: 'H100:2' } as OpenAI.Responses.ResponseCreateParamsStreaming);
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') assert.equal(event.response.status, 'completed');
    }
    assert.deepEqual(types, ['response.created', 'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.completed']);
    assert.equal(text, servedBy('H100:2'));
  });

  it('gets a response stream with its X-Selected-GPU header', async () => {
    const { response } = await client.responses.create({ model: MODEL, input: 'Say hi', stream: true }).withResponse();
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S');
  });
});
