import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, streamText, tool } from 'ai';
import { z } from 'zod';
import type { RunningGateway } from '../helpers/gateway-under-test.js';
import { startGatewayWithTestModel } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';
// Enum strings: the test model's weights are random, and a free string might never close.
const pick = z.object({ pick: z.enum(['a', 'b']) });

describe('the Vercel AI SDK through the gateway to a local worker (issue 12 §3)', () => {
  let gw: RunningGateway;
  let gpuroute: ReturnType<typeof createOpenAICompatible>;
  before(async () => {
    gw = await startGatewayWithTestModel(2);
    gpuroute = createOpenAICompatible({ name: 'gpuroute', baseURL: `${gw.url}/v1`, supportsStructuredOutputs: true });
  });
  after(() => gw.close());

  it('generateObject returns an object matching the zod schema, on the GPU the header chose', async () => {
    const { object, response } = await generateObject({ model: gpuroute(MODEL), schema: pick, prompt: 'Pick', maxOutputTokens: 40, maxRetries: 0, headers: { 'X-GPU-Preference': 'L40S' } });
    assert.ok(['a', 'b'].includes(object.pick));
    assert.equal(response.headers?.['x-selected-gpu'], 'L40S');
  });

  it('generateText with a required tool returns a call whose input matches the tool schema, on the GPU the body chose over the header', async () => {
    const choose = tool({ description: 'Choose one', inputSchema: pick });
    const { toolCalls, finishReason, response } = await generateText({
      model: gpuroute(MODEL),
      prompt: 'Pick',
      tools: { choose },
      toolChoice: { type: 'tool', toolName: 'choose' },
      maxOutputTokens: 40,
      maxRetries: 0,
      headers: { 'X-GPU-Preference': 'L40S' },
      providerOptions: { gpuroute: { gpu_preference: 'L4' } },
    });
    assert.equal(finishReason, 'tool-calls');
    assert.equal(toolCalls[0]?.toolName, 'choose');
    assert.ok(['a', 'b'].includes(pick.parse(toolCalls[0]?.input).pick));
    assert.equal(response.headers?.['x-selected-gpu'], 'L4');
  });

  it('streamText with toolChoice "required" assembles the streamed tool-call deltas into a call', async () => {
    const result = streamText({ model: gpuroute(MODEL), prompt: 'Pick', tools: { choose: tool({ inputSchema: pick }) }, toolChoice: 'required', maxOutputTokens: 40, maxRetries: 0 });
    const toolCalls = await result.toolCalls;
    assert.equal(await result.finishReason, 'tool-calls');
    assert.equal(toolCalls.length, 1);
    assert.ok(['a', 'b'].includes(pick.parse(toolCalls[0]?.input).pick));
  });

  it('the default @ai-sdk/openai provider calls the Responses API and gets text, and a function call in the Responses format', async () => {
    const openai = createOpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, headers: { 'X-GPU-Preference': 'L40S' } });
    const { text, response } = await generateText({ model: openai(MODEL), prompt: 'Say hi', maxOutputTokens: 8, maxRetries: 0 });
    assert.equal((response.body as { object?: unknown }).object, 'response');
    assert.ok(text.length > 0);
    assert.equal(response.headers?.['x-selected-gpu'], 'L40S');
    const { toolCalls } = await generateText({ model: openai(MODEL), prompt: 'Pick', tools: { choose: tool({ inputSchema: pick }) }, toolChoice: 'required', maxOutputTokens: 40, maxRetries: 0 });
    assert.equal(toolCalls[0]?.toolName, 'choose');
    assert.ok(['a', 'b'].includes(pick.parse(toolCalls[0]?.input).pick));
  });
});
