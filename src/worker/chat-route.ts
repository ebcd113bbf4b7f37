import type { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { chatChunk, chatCompletion, newCompletionIdentity, newToolCallId, sseEvent, usage, type ChatChoice, type ToolCall } from '../openai/chat-completion.js';
import { parseChatRequest } from '../openai/chat-request.js';
import { toChatHistory, type OpenAIMessage } from './chat-history.js';
import { chatOutputOf, functionsOf, jsonRequestOf, toolChoiceOf, type FunctionTool } from './chat-output.js';
import { fitMaxTokens, numberIn, refuseUnhonoured, samplingOf, type Body } from './engine-request.js';
import type { ChatCall, GenerationResult, LlamaEngine } from './llama-engine.js';
import { logprobContent } from './logprobs.js';
import { sseReply, streamFailure } from './sse-reply.js';

const DEFAULT_MAX_TOKENS = 256;
const MAX_CHOICES = 8;
const MAX_TOP_LOGPROBS = 20;

/** Chat Completions fields that change the answer and that the engine cannot produce. */
const UNHONOURED = {
  audio: undefined,
  prediction: undefined,
  web_search_options: undefined,
  reasoning_effort: undefined,
  verbosity: undefined,
  functions: undefined,
  function_call: undefined,
  modalities: (value: unknown) => Array.isArray(value) && value.every((m) => m === 'text'),
};

function toolsOf(body: Body): FunctionTool[] | undefined {
  if (body.tools === undefined || body.tools === null) return undefined;
  if (!Array.isArray(body.tools)) throw new GatewayError('invalid_request', 'tools must be an array of {"type": "function", "function": {...}}.', 'tools');
  if (body.tools.length === 0) return undefined;
  return body.tools.map((tool: { type?: unknown; function?: FunctionTool }, i) => {
    if (tool?.type !== 'function' || !tool.function) throw new GatewayError('invalid_request', `tools[${i}] must be {"type": "function", "function": {"name": ...}}; the built-in engine calls functions only.`, `tools[${i}]`);
    return tool.function;
  });
}

/** Everything a chat request asks of the engine, checked; a 400 names the first field at fault. */
function chatPlan(raw: unknown, engine: LlamaEngine) {
  const request = parseChatRequest(raw);
  const body = request as Body;
  refuseUnhonoured(body, UNHONOURED);
  const logprobs = body.logprobs === true;
  const topLogprobs = numberIn(body, 'top_logprobs', 0, MAX_TOP_LOGPROBS, 0, true);
  if (body.top_logprobs != null && !logprobs) throw new GatewayError('invalid_request', 'top_logprobs needs logprobs: true.', 'top_logprobs');
  const tools = toolsOf(body);
  const output = chatOutputOf({
    functions: tools && functionsOf(tools, (i) => `tools[${i}].function`),
    toolChoice: toolChoiceOf(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls !== false,
    json: jsonRequestOf(body.response_format, 'response_format'),
  });
  const history = toChatHistory(request.messages as OpenAIMessage[]);
  const sampling = samplingOf(body, { maxTokens: ['max_completion_tokens', 'max_tokens'], defaultMaxTokens: DEFAULT_MAX_TOKENS, vocabularySize: engine.vocabularySize, topLogprobs: logprobs ? topLogprobs : undefined });
  const prompt = engine.chatPrompt(history, output);
  const maxTokens = fitMaxTokens(sampling.maxTokens, DEFAULT_MAX_TOKENS, prompt.length, engine.contextTokens, 'messages', body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens');
  return {
    model: request.model,
    n: numberIn(body, 'n', 1, MAX_CHOICES, 1, true),
    stream: request.stream === true,
    includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
    prompt,
    call: (i: number, signal: AbortSignal): ChatCall => ({ history, output, signal, sampling: { ...sampling, maxTokens, seed: sampling.seed + i } }),
  };
}

type Plan = ReturnType<typeof chatPlan>;

function totalUsage(results: readonly GenerationResult[]) {
  const first = results[0]!;
  return usage(first.promptTokens, results.reduce((sum, r) => sum + r.completionTokens, 0), first.cachedTokens);
}

function choiceOf(result: GenerationResult, index: number, engine: LlamaEngine, ids: string[]): ChatChoice {
  const toolCalls: ToolCall[] = result.toolCalls.map((tc, i) => ({ id: ids[i] ?? newToolCallId(), type: 'function', function: tc }));
  return {
    index,
    message: { role: 'assistant', content: toolCalls.length && !result.text ? null : result.text, ...(toolCalls.length && { tool_calls: toolCalls }) },
    logprobs: result.logprobs ? { content: logprobContent(result.logprobs, (t) => engine.detokenize(t)) } : null,
    finish_reason: result.finishReason,
  };
}

function streamChat(out: PassThrough, plan: Plan, engine: LlamaEngine, signal: AbortSignal) {
  const identity = newCompletionIdentity(plan.model);
  const runs = Array.from({ length: plan.n }, (_, index) => {
    out.write(sseEvent(chatChunk(identity, { role: 'assistant', content: '' }, null, undefined, index)));
    const ids: string[] = [];
    const call = plan.call(index, signal);
    call.onText = (text, probed) => out.write(sseEvent(chatChunk(identity, { content: text }, null, undefined, index, probed ? { content: logprobContent(probed, (t) => engine.detokenize(t)) } : null)));
    call.onToolCall = (delta) => {
      if (delta.name !== undefined) ids[delta.index] = newToolCallId();
      const fn = delta.name !== undefined ? { name: delta.name, arguments: delta.arguments } : { arguments: delta.arguments };
      const toolCall = { index: delta.index, ...(delta.name !== undefined && { id: ids[delta.index], type: 'function' }), function: fn };
      out.write(sseEvent(chatChunk(identity, { tool_calls: [toolCall] }, null, undefined, index)));
    };
    return engine.chat(call, plan.prompt).then((result) => {
      out.write(sseEvent(chatChunk(identity, {}, result.finishReason, undefined, index)));
      return result;
    });
  });
  Promise.all(runs).then(
    (results) => {
      if (plan.includeUsage) out.write(sseEvent(chatChunk(identity, null, null, totalUsage(results))));
      out.end(sseEvent('[DONE]'));
    },
    (error: unknown) => streamFailure(out, error),
  );
}

/**
 * POST /v1/chat/completions on the engine: n choices generated side by side (each on
 * its own sequence, seeds seed, seed+1…), tools, JSON output, logprobs (issue 12).
 */
export function registerChatRoute(app: FastifyInstance, engineOf: () => LlamaEngine, abortOnClose: (reply: FastifyReply) => AbortSignal): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const engine = engineOf();
    const plan = chatPlan(request.body, engine);
    const signal = abortOnClose(reply);
    if (plan.stream) {
      const out = sseReply(reply);
      streamChat(out, plan, engine, signal);
      return reply;
    }
    const results = await Promise.all(Array.from({ length: plan.n }, (_, i) => engine.chat(plan.call(i, signal), plan.prompt)));
    return chatCompletion(newCompletionIdentity(plan.model), results.map((result, i) => choiceOf(result, i, engine, [])), totalUsage(results));
  });
}
