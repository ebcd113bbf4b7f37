import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWorker, type WorkerUnderTest } from './start-worker.js';

const answer = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] } }, required: ['answer'], additionalProperties: false };

describe('the built-in engine serves /v1/completions, /v1/embeddings and /v1/responses (issue 12)', () => {
  let w: WorkerUnderTest;
  before(async () => {
    w = await startWorker(['--parallel', '2']);
  });
  after(async () => assert.equal(await w.worker.stop(), 0));

  it('completes a prompt string, and each prompt of a list with its own indices', async () => {
    const one = await w.client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
    assert.equal(one.object, 'text_completion');
    assert.equal(one.choices[0]?.finish_reason, 'length');
    assert.equal(one.usage?.completion_tokens, 6);
    const list = await w.client.completions.create({ model: 'tiny', prompt: ['Once upon a time', 'The end'], n: 2, max_tokens: 4, temperature: 0 });
    assert.deepEqual(list.choices.map((c) => c.index), [0, 1, 2, 3]);
    assert.equal(list.choices[0]?.text, one.choices[0]?.text.slice(0, list.choices[0]?.text.length));
  });

  it('streams a completion with echo and legacy logprobs', async () => {
    const stream = await w.client.completions.create({ model: 'tiny', prompt: 'Hello', max_tokens: 4, temperature: 0, stream: true, echo: true, logprobs: 2 });
    let text = '';
    const tokens: string[] = [];
    const tops: Array<Record<string, number>> = [];
    for await (const chunk of stream) {
      const logprobs = chunk.choices[0]?.logprobs;
      // Each token's text_offset is where it starts in the choice's text, echo included.
      logprobs?.tokens?.forEach((token, i) => assert.equal(text.length + (logprobs.text_offset![i]! - logprobs.text_offset![0]!), logprobs.text_offset![i]));
      text += chunk.choices[0]?.text ?? '';
      tokens.push(...(logprobs?.tokens ?? []));
      tops.push(...(logprobs?.top_logprobs ?? []));
    }
    assert.ok(text.startsWith('Hello'));
    assert.equal(tokens.length, 4);
    assert.equal(text, `Hello${tokens.join('')}`);
    assert.equal(Object.keys(tops[0] ?? {}).length, 2);
  });

  it('embeds with the openai SDK default (base64) and as floats, the same vectors', async () => {
    const viaSdk = await w.client.embeddings.create({ model: 'tiny', input: ['hello world', 'goodbye'] });
    assert.equal(viaSdk.data.length, 2);
    const dims = viaSdk.data[0]!.embedding.length;
    assert.ok(dims > 0);
    const floats = await w.post('/v1/embeddings', { model: 'tiny', input: 'hello world', encoding_format: 'float' });
    assert.equal(floats.status, 200);
    const vector: number[] = floats.body.data[0].embedding;
    assert.equal(vector.length, dims);
    vector.forEach((x, i) => assert.ok(Math.abs(x - viaSdk.data[0]!.embedding[i]!) < 1e-5));
    assert.ok(floats.body.usage.prompt_tokens > 0);
  });

  it('answers the Responses API with instructions, max_output_tokens and text output', async () => {
    const response = await w.client.responses.create({ model: 'tiny', instructions: 'Be brief', input: 'Hi', max_output_tokens: 5, temperature: 0 });
    assert.equal(response.status, 'incomplete');
    assert.equal(response.usage?.output_tokens, 5);
    assert.ok(response.output_text.length > 0);
    const messages = await w.client.responses.create({ model: 'tiny', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }], max_output_tokens: 5, temperature: 0 });
    assert.ok(messages.output_text.length > 0);
  });

  it('streams a Responses answer as OpenAI does, ending in response.completed', async () => {
    const stream = w.client.responses.stream({ model: 'tiny', input: 'Yes or no?', max_output_tokens: 40, text: { format: { type: 'json_schema', name: 'answer', strict: true, schema: answer } } });
    const types: string[] = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created');
    for (const type of ['response.output_text.delta', 'response.output_text.done']) assert.ok(types.includes(type), type);
    assert.equal(types.at(-1), 'response.completed');
    const message = final.output.find((item) => item.type === 'message');
    assert.equal(message?.type === 'message' && message.content[0]?.type === 'output_text' && message.content[0].text, deltas);
    assert.ok(['yes', 'no'].includes(JSON.parse(deltas).answer));
  });

  it('calls a Responses-format tool and takes its output back', async () => {
    const tools = [{ type: 'function' as const, name: 'lookup', description: 'Look up', parameters: answer, strict: true }];
    const response = await w.client.responses.create({ model: 'tiny', input: 'Look it up', tools, tool_choice: 'required', max_output_tokens: 40 });
    const call = response.output.find((item) => item.type === 'function_call');
    assert.equal(call?.type === 'function_call' && call.name, 'lookup');
    const next = await w.client.responses.create({
      model: 'tiny',
      input: [{ role: 'user', content: 'Look it up' }, { type: 'function_call', call_id: 'c1', name: 'lookup', arguments: '{"answer":"yes"}' }, { type: 'function_call_output', call_id: 'c1', output: 'found' }],
      tools,
      max_output_tokens: 4,
    });
    assert.ok(next.output_text.length > 0);
  });

  it('generates calls side by side: more calls than sequences all finish, each as it would alone', async () => {
    const call = (seed: number) => w.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: `Story ${seed}` }], max_tokens: 8, temperature: 0 }).then((c) => c.choices[0]?.message.content);
    const alone = [];
    for (const seed of [1, 2, 3, 4, 5]) alone.push(await call(seed));
    const together = await Promise.all([1, 2, 3, 4, 5].map((s) => call(s)));
    assert.deepEqual(together, alone);
  });

  it('answers unhonoured fields of these routes with a 400 naming them', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/v1/completions', { model: 'tiny', prompt: 'x', suffix: 'y' }, 'suffix'],
      ['/v1/completions', { model: 'tiny', prompt: 'x', max_tokens: 0 }, 'max_tokens'],
      ['/v1/embeddings', { model: 'tiny', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
      ['/v1/embeddings', { model: 'tiny', input: 'x', dimensions: 3 }, 'dimensions'],
      ['/v1/responses', { model: 'tiny', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id'],
      ['/v1/responses', { model: 'tiny', input: 'x', top_logprobs: 2 }, 'top_logprobs'],
      ['/v1/responses', { model: 'tiny', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:,' }] }] }, 'input[0].content[0]'],
    ];
    for (const [path, body, param] of cases) {
      const { status, body: error } = await w.post(path, body);
      assert.equal(status, 400, `${path} ${JSON.stringify(error)}`);
      assert.equal(error.error.param, param);
    }
  });
});
