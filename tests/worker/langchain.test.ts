import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { RunningGateway } from '../helpers/gateway-under-test.js';
import { startGatewayWithTestModel } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';
// Enum strings: the test model's weights are random, and a free string might never close.
const pick = z.object({ pick: z.enum(['a', 'b']) });

describe('@langchain/openai through the gateway to a local worker (issue 12 §3)', () => {
  let gw: RunningGateway;
  const chat = (fields: ConstructorParameters<typeof ChatOpenAI>[0] = {}) =>
    new ChatOpenAI({ model: MODEL, apiKey: 'unused', maxTokens: 40, maxRetries: 0, ...fields, configuration: { baseURL: `${gw.url}/v1`, ...fields.configuration } });
  before(async () => {
    gw = await startGatewayWithTestModel(2);
  });
  after(() => gw.close());

  it('bindTools with tool_choice "any" returns a tool call whose args match the schema, on the GPU the header chose', async () => {
    const model = chat({ configuration: { defaultHeaders: { 'X-GPU-Preference': 'L40S' } } });
    const message = await model.bindTools([{ name: 'choose', description: 'Choose one', schema: pick }], { tool_choice: 'any' }).invoke('Pick');
    assert.equal(message.tool_calls?.[0]?.name, 'choose');
    assert.ok(['a', 'b'].includes(pick.parse(message.tool_calls?.[0]?.args).pick));
    assert.equal(message.response_metadata.finish_reason, 'tool_calls');
    assert.deepEqual(message.response_metadata.system_fingerprint, { selected_gpu: 'L40S' });
  });

  it('a streamed bindTools answer concatenates to a tool call whose args match the schema', async () => {
    const model = chat().bindTools([{ name: 'choose', description: 'Choose one', schema: pick }], { tool_choice: 'choose' });
    let message: AIMessageChunk | undefined;
    for await (const chunk of await model.stream('Pick')) message = message ? message.concat(chunk) : chunk;
    assert.equal(message?.tool_calls?.[0]?.name, 'choose');
    assert.ok(['a', 'b'].includes(pick.parse(message?.tool_calls?.[0]?.args).pick));
  });

  it('withStructuredOutput returns a parsed object, on the GPU modelKwargs chose over the header', async () => {
    const model = chat({ modelKwargs: { gpu_preference: 'L4' }, configuration: { defaultHeaders: { 'X-GPU-Preference': 'L40S' } } });
    const { parsed, raw } = await model.withStructuredOutput(pick, { includeRaw: true }).invoke('Pick');
    assert.ok(['a', 'b'].includes(parsed.pick));
    assert.deepEqual((raw as AIMessage).response_metadata.system_fingerprint, { selected_gpu: 'L4' });
  });
});
