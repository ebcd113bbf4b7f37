import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { APIError } from 'openai';
import type { RunningGateway } from '../helpers/gateway-under-test.js';
import { startGatewayWithTestModel } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const choice = { type: 'object', properties: { pick: { type: 'string', enum: ['a', 'b'] } }, required: ['pick'], additionalProperties: false };

describe('the openai package through the gateway to a local worker (issue 12 §3)', () => {
  let gw: RunningGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startGatewayWithTestModel();
    client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, defaultHeaders: { 'X-GPU-Preference': 'L40S' }, maxRetries: 0 });
  });
  after(() => gw.close());

  it('retrieves the model by its id with a slash', async () => {
    assert.equal((await client.models.retrieve(MODEL)).id, MODEL);
  });

  it('gets tool calls, JSON output, n choices and logprobs from the engine', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'choose', parameters: choice } }];
    const call = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Pick' }], tools, tool_choice: 'required', max_tokens: 40 });
    assert.equal(call.choices[0]?.finish_reason, 'tool_calls');
    const args = JSON.parse((call.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments);
    assert.ok(['a', 'b'].includes(args.pick));
    const json = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Pick' }], n: 2, logprobs: true, max_tokens: 40, response_format: { type: 'json_schema', json_schema: { name: 'c', schema: choice, strict: true } } });
    assert.deepEqual(json.choices.map((c) => c.index), [0, 1]);
    for (const c of json.choices) {
      assert.ok(['a', 'b'].includes(JSON.parse(c.message.content ?? '').pick));
      assert.ok((c.logprobs?.content?.length ?? 0) > 0);
    }
    assert.deepEqual(json.system_fingerprint as unknown, { selected_gpu: 'L40S' });
  });

  it('completes a prompt and embeds with the SDK default base64', async () => {
    const completion = await client.completions.create({ model: MODEL, prompt: ['One', 'Two'], max_tokens: 3, temperature: 0 });
    assert.equal(completion.choices.length, 2);
    assert.equal(completion.usage?.completion_tokens, 6);
    const embeddings = await client.embeddings.create({ model: MODEL, input: 'hello' });
    assert.ok(embeddings.data[0]!.embedding.length > 0);
    assert.ok(embeddings.data[0]!.embedding.every((x) => Number.isFinite(x)));
  });

  it('streams a Responses answer to response.completed', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'Pick', max_output_tokens: 40, text: { format: { type: 'json_schema', name: 'c', schema: choice, strict: true } } });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    for (const type of ['response.created', 'response.output_text.delta', 'response.output_text.done', 'response.completed']) assert.ok(types.has(type), type);
  });

  it('passes the engine\'s 400s through with their message', async () => {
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }), (error: APIError) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /max_tokens/);
      return true;
    });
  });
});
