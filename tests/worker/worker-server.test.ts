import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { parseRaw, rawExchange } from '../helpers/raw-request.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { eventually, modelsDirWithTestModel } from '../helpers/test-model.js';

describe('gpuroute worker serves the generated model to any OpenAI client', () => {
  let worker: ServingProcess;
  let client: OpenAI;
  const messages = [{ role: 'user' as const, content: 'Tell me a story' }];

  before(async () => {
    const model = testModelPath(await modelsDirWithTestModel());
    worker = await startServing(process.execPath, [BIN, 'worker', '--model', model, '--port', '0', '--cpu', '--label', 'tiny', '--weights-label', 'test-model'], {}, 60_000, 'worker listening');
    await eventually(async () => ((await (await fetch(`${worker.url}/health`)).json()) as { status: string }).status === 'ready', 'the worker is ready');
    client = new OpenAI({ apiKey: 'unused', baseURL: `${worker.url}/v1`, maxRetries: 0 });
  });
  after(async () => assert.equal(await worker.stop(), 0));

  it('says ready on /health, with the device and the weights', async () => {
    const health = await (await fetch(`${worker.url}/health`)).json();
    assert.deepEqual(health, { status: 'ready', model: 'tiny', weights: 'test-model', device: 'cpu' });
  });

  it('generates max_tokens tokens and counts them with the real tokenizer', async () => {
    const completion = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 12, temperature: 0 });
    assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 12);
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 5);
  });

  it('is deterministic under greedy sampling, and under a fixed seed', async () => {
    const greedy = async () => (await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 16, temperature: 0 })).choices[0]?.message.content;
    assert.equal(await greedy(), await greedy());
    const seeded = async (seed: number) => (await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 16, temperature: 1.5, seed })).choices[0]?.message.content;
    assert.equal(await seeded(7), await seeded(7));
  });

  it('honours temperature and top_p: sampled text differs from greedy', async () => {
    const greedy = (await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 24, temperature: 0 })).choices[0]?.message.content;
    const outputs = new Set<string | null | undefined>();
    for (const seed of [1, 2, 3]) outputs.add((await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 24, temperature: 2, top_p: 1, seed })).choices[0]?.message.content);
    assert.ok([...outputs].some((text) => text !== greedy));
  });

  it('stops at a stop sequence, with finish_reason stop', async () => {
    const full = (await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 24, temperature: 0 })).choices[0]?.message.content ?? '';
    const stop = full.slice(8, 11);
    const cut = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 24, temperature: 0, stop: [stop] });
    assert.equal(cut.choices[0]?.finish_reason, 'stop');
    assert.equal(cut.choices[0]?.message.content, full.slice(0, full.indexOf(stop)));
  });

  it('streams the same text, then usage when asked, then [DONE]', async () => {
    const plain = (await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0 })).choices[0]?.message.content;
    const stream = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, plain);
    assert.equal(usage?.completion_tokens, 10);
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const response = await fetch(`${worker.url}/v1/nothing`);
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error.code, 'route_not_found');
  });

  it('answers a request Node cannot parse with a 400 in the error shape, and closes', async () => {
    const answer = parseRaw(await rawExchange(worker.url, 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
    assert.equal(answer.status, 400);
    assert.match(answer.headers, /\r\nconnection: close/);
    assert.deepEqual(Object.keys(answer.body).sort(), ['detail', 'error']);
    assert.equal(answer.body.error.code, 'invalid_request');
  });

  it('answers a malformed request with a 400 naming the field', async () => {
    const response = await fetch(`${worker.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"tiny"}' });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error.param, 'messages');
  });
});
