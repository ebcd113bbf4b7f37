import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OpenAI from 'openai';
import { startWorker, type WorkerUnderTest } from './start-worker.js';

const messages = [{ role: 'user' as const, content: 'What is the weather?' }];
/** Enum strings, so constrained output ends even though the random model never stops by itself. */
const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string', enum: ['Paris', 'Rome', 'Oslo'] }, unit: { type: 'string', enum: ['C', 'F'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: weatherParams } },
  { type: 'function', function: { name: 'get_time', description: 'Time in a city', parameters: { type: 'object', properties: { city: { enum: ['Paris', 'Rome'] } }, required: ['city'] } } },
];

describe('the built-in engine honours what a chat call asks (issue 12)', () => {
  let w: WorkerUnderTest;
  before(async () => {
    w = await startWorker();
  });
  after(async () => assert.equal(await w.worker.stop(), 0));

  it('tool_choice "required" returns a tool call whose arguments match the schema, finish_reason tool_calls', async () => {
    const completion = await w.client.chat.completions.create({ model: 'tiny', messages, tools, tool_choice: 'required', max_tokens: 60, seed: 1 });
    const choice = completion.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.ok(['get_weather', 'get_time'].includes(call.function.name));
    assert.match(call.id, /^call_/);
    const args = JSON.parse(call.function.arguments);
    assert.ok(['Paris', 'Rome', 'Oslo'].includes(args.city));
  });

  it('a named tool_choice calls that function; its deltas stream as OpenAI streams them', async () => {
    const stream = await w.client.chat.completions.create({ model: 'tiny', messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 60, stream: true });
    let name = '';
    let args = '';
    let id: string | undefined;
    let finish: string | null | undefined;
    let deltas = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      for (const tc of delta?.tool_calls ?? []) {
        assert.equal(tc.index, 0);
        deltas++;
        id ??= tc.id;
        name += tc.function?.name ?? '';
        args += tc.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'get_weather');
    assert.match(id ?? '', /^call_/);
    assert.ok(deltas > 2, 'the arguments arrive in several deltas');
    assert.deepEqual(Object.keys(JSON.parse(args)).sort(), ['city', 'unit']);
    assert.equal(finish, 'tool_calls');
  });

  it('tool_choice "none" and "auto" answer in text; tool results in the history are accepted', async () => {
    const history: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"C"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '21 degrees' },
    ];
    for (const tool_choice of ['none', 'auto'] as const) {
      const completion = await w.client.chat.completions.create({ model: 'tiny', messages: history, tools, tool_choice, max_tokens: 8, temperature: 0 });
      assert.equal(completion.choices[0]?.finish_reason, 'length');
      assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
    }
  });

  it('json_schema output parses and matches the schema; json_object output parses', async () => {
    const completion = await w.client.chat.completions.create({
      model: 'tiny',
      messages,
      max_tokens: 60,
      response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema: weatherParams } },
    });
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    const value = JSON.parse(completion.choices[0]?.message.content ?? '');
    assert.ok(['C', 'F'].includes(value.unit));
    const object = await w.client.chat.completions.create({ model: 'tiny', messages, max_tokens: 60, temperature: 1, seed: 1, response_format: { type: 'json_object' } });
    assert.equal(object.choices[0]?.finish_reason, 'stop');
    assert.equal(typeof JSON.parse(object.choices[0]?.message.content ?? ''), 'object');
  });

  it('n choices come back with their indices, streamed and not', async () => {
    const completion = await w.client.chat.completions.create({ model: 'tiny', messages, n: 3, max_tokens: 6, temperature: 1.5, seed: 4 });
    assert.deepEqual(completion.choices.map((c) => c.index), [0, 1, 2]);
    assert.equal(completion.usage?.completion_tokens, 18);
    const stream = await w.client.chat.completions.create({ model: 'tiny', messages, n: 3, max_tokens: 6, temperature: 1.5, seed: 4, stream: true });
    const texts = ['', '', ''];
    const finishes = new Set<number>();
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        texts[c.index] += c.delta.content ?? '';
        if (c.finish_reason) finishes.add(c.index);
      }
    }
    assert.deepEqual(texts, completion.choices.map((c) => c.message.content));
    assert.equal(finishes.size, 3);
  });

  it('logprobs with top_logprobs give one entry per generated token', async () => {
    const completion = await w.client.chat.completions.create({ model: 'tiny', messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3 });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    assert.equal(content.length, 5);
    assert.equal(content.map((t) => t.token).join(''), completion.choices[0]?.message.content);
    for (const token of content) {
      assert.ok(token.logprob <= 0);
      assert.equal(token.top_logprobs.length, 3);
      // Greedy: the chosen token is the likeliest one.
      assert.equal(token.top_logprobs[0]?.token, token.token);
    }
    const stream = await w.client.chat.completions.create({ model: 'tiny', messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3, stream: true });
    const streamed: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0];
      const pieces = delta?.logprobs?.content ?? [];
      assert.equal(pieces.map((t) => t.token).join(''), delta?.delta.content ?? '', 'each delta carries its own tokens');
      streamed.push(...pieces);
    }
    assert.deepEqual(streamed, content);
  });

  it('the same seed gives the same text; no seed gives a fresh one per call', async () => {
    const call = (seed?: number) => w.client.chat.completions.create({ model: 'tiny', messages, max_tokens: 12, temperature: 1.5, ...(seed !== undefined && { seed }) }).then((c) => c.choices[0]?.message.content);
    assert.equal(await call(11), await call(11));
    const unseeded = new Set(await Promise.all([call(), call(), call()]));
    assert.ok(unseeded.size > 1, 'calls in the same second differ');
  });

  it('a sequence reuses the prompt prefix it already evaluated', async () => {
    const long = [{ role: 'user' as const, content: 'A long shared prefix that the second call does not evaluate again. '.repeat(4) }];
    await w.client.chat.completions.create({ model: 'tiny', messages: long, max_tokens: 2 });
    const again = await w.client.chat.completions.create({ model: 'tiny', messages: long, max_tokens: 2 });
    const cached = again.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    assert.ok(cached >= (again.usage?.prompt_tokens ?? 0) - 1, `cached ${cached} of ${again.usage?.prompt_tokens}`);
  });

  const refusals: Array<[string, Record<string, unknown>, string, RegExp?]> = [
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens'],
    ['max_tokens -1', { max_tokens: -1 }, 'max_tokens'],
    ['max_completion_tokens 0', { max_completion_tokens: 0 }, 'max_completion_tokens'],
    ['max_tokens past the context', { max_tokens: 5000 }, 'max_tokens', /maximum context length is 2048 tokens\. However, you requested \d+ tokens \(\d+ in the messages, 5000 in the completion\)/],
    ['temperature 3', { temperature: 3 }, 'temperature'],
    ['top_p 1.5', { top_p: 1.5 }, 'top_p'],
    ['n 9', { n: 9 }, 'n'],
    ['top_logprobs 21', { logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
    ['an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] }, 'messages[0].content[0]', /text only/],
    ['audio output', { modalities: ['text', 'audio'] }, 'modalities'],
    ['a schema keyword no grammar enforces', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: '^a' } } } }, 'response_format.json_schema.schema'],
    ['an unknown tool_choice name', { tools, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
  ];
  for (const [what, fields, param, message] of refusals) {
    it(`answers ${what} with a 400 naming ${param}`, async () => {
      const { status, body } = await w.post('/v1/chat/completions', { model: 'tiny', messages, max_tokens: 4, ...fields });
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.error.param, param);
      if (message) assert.match(body.error.message, message);
    });
  }
});
