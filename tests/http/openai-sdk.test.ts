import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { servedBy } from '../helpers/mock-upstream.js';
import { startFleet, type Fleet } from '../helpers/fleet.js';

const KEY = 'sk-sdk-test-key';
let fleet: Fleet;
let client: OpenAI;
before(async () => {
  fleet = await startFleet({ auth: { api_keys: [KEY] } });
  client = new OpenAI({ apiKey: KEY, baseURL: `${fleet.url}/v1`, defaultHeaders: { 'X-GPU-Preference': 'L40S' }, maxRetries: 0 });
});
after(() => fleet.close());

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
