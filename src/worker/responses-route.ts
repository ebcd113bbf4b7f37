import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Usage } from '../openai/chat-completion.js';
import { textOf, toChatHistory, type OpenAIMessage } from './chat-history.js';
import { chatOutputOf, functionsOf, jsonRequestOf, toolChoiceOf, type FunctionTool } from './chat-output.js';
import { bad, fitMaxTokens, refuseUnhonoured, samplingOf, type Body } from './engine-request.js';
import type { GenerationResult, LlamaEngine } from './llama-engine.js';
import { ResponseBuilder } from './response-builder.js';
import { sseReply } from './sse-reply.js';

const DEFAULT_MAX_TOKENS = 256;

type InputItem = { type?: unknown; role?: unknown; content?: unknown; call_id?: unknown; name?: unknown; arguments?: unknown; output?: unknown };

/** Responses `input` items as chat messages: function calls and their outputs become tool_calls and tool messages. */
function messagesOf(input: unknown, instructions: unknown): OpenAIMessage[] {
  const messages: OpenAIMessage[] = [];
  if (typeof instructions === 'string' && instructions) messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') return [...messages, { role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0) bad('input', 'input is required: send a string, or a list of messages.');
  (input as InputItem[]).forEach((item, i) => {
    const type = item?.type ?? 'message';
    if (type === 'message' && typeof item.role === 'string') {
      messages.push({ role: item.role, content: textOf(item.content, `input[${i}].content`) });
    } else if (type === 'function_call') {
      const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const last = messages.at(-1);
      if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) last.tool_calls.push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (type === 'function_call_output') {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
    } else {
      bad(`input[${i}]`, `input[${i}] is a "${String(type)}" item; the built-in engine reads messages, function_call and function_call_output items.`);
    }
  });
  return messages;
}

function toolsOf(body: Body): FunctionTool[] | undefined {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return undefined;
  return body.tools.map((tool: FunctionTool & { type?: unknown }, i) => {
    if (tool?.type !== 'function') bad(`tools[${i}]`, `tools[${i}] is a "${String(tool?.type)}" tool; the built-in engine calls functions only.`);
    return tool;
  });
}

function responsesPlan(body: Body, engine: LlamaEngine) {
  if (typeof body.model !== 'string' || !body.model) bad('model', 'model is required: send the model id.');
  refuseUnhonoured(body, {
    previous_response_id: undefined,
    conversation: undefined,
    prompt: undefined,
    background: (v) => v === false,
    reasoning: (v) => typeof v === 'object' && !(v as { effort?: unknown }).effort,
    top_logprobs: (v) => v === 0,
    include: (v) => Array.isArray(v) && !v.includes('message.output_text.logprobs'),
  });
  const tools = toolsOf(body);
  const output = chatOutputOf({
    functions: tools && functionsOf(tools, (i) => `tools[${i}]`),
    toolChoice: toolChoiceOf(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls !== false,
    json: jsonRequestOf((body.text as { format?: unknown } | undefined)?.format, 'text.format'),
  });
  const history = toChatHistory(messagesOf(body.input, body.instructions));
  const sampling = samplingOf(body, { maxTokens: ['max_output_tokens'], defaultMaxTokens: DEFAULT_MAX_TOKENS, vocabularySize: engine.vocabularySize });
  const prompt = engine.chatPrompt(history, output);
  const maxTokens = fitMaxTokens(sampling.maxTokens, DEFAULT_MAX_TOKENS, prompt.length, engine.contextTokens, 'input', 'max_output_tokens');
  return { model: body.model as string, stream: body.stream === true, prompt, call: { history, output, sampling: { ...sampling, maxTokens } } };
}

function responsesUsage(result: GenerationResult) {
  return {
    input_tokens: result.promptTokens,
    input_tokens_details: { cached_tokens: result.cachedTokens },
    output_tokens: result.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: result.promptTokens + result.completionTokens,
  };
}

/** POST /v1/responses on the engine: the Responses API over the same chat generation (issue 12). */
export function registerResponsesRoute(app: FastifyInstance, engineOf: () => LlamaEngine, abortOnClose: (reply: FastifyReply) => AbortSignal): void {
  app.post('/v1/responses', async (request, reply) => {
    const engine = engineOf();
    if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) bad('body', 'The request body must be a JSON object with at least "model" and "input".');
    const body = request.body as Body;
    const plan = responsesPlan(body, engine);
    const signal = abortOnClose(reply);
    const response = (status: string, extra: { output?: unknown[]; usage?: unknown; incomplete?: boolean } = {}) => ({
      id,
      object: 'response',
      created_at: createdAt,
      status,
      model: plan.model,
      output: extra.output ?? [],
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      temperature: body.temperature ?? 1,
      top_p: body.top_p ?? 1,
      tools: body.tools ?? [],
      tool_choice: body.tool_choice ?? 'auto',
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      text: body.text ?? { format: { type: 'text' } },
      incomplete_details: extra.incomplete ? { reason: 'max_output_tokens' } : null,
      error: null,
      metadata: body.metadata ?? {},
      usage: (extra.usage as Usage | undefined) ?? null,
    });
    const id = `resp_${randomUUID().replaceAll('-', '')}`;
    const createdAt = Math.floor(Date.now() / 1000);
    let sequence = 0;
    const out = plan.stream ? sseReply(reply) : undefined;
    const emit = out && ((type: string, data: Record<string, unknown>) => out.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`));
    const builder = new ResponseBuilder(emit);
    emit?.('response.created', { response: response('in_progress') });
    emit?.('response.in_progress', { response: response('in_progress') });
    try {
      const result = await engine.chat({ ...plan.call, signal, onText: (t) => builder.text(t), onToolCall: (d) => builder.toolCall(d) }, plan.prompt);
      builder.finish(result.toolCalls);
      const incomplete = result.finishReason === 'length';
      const final = response(incomplete ? 'incomplete' : 'completed', { output: builder.items, usage: responsesUsage(result), incomplete });
      if (!out) return final;
      emit!(incomplete ? 'response.incomplete' : 'response.completed', { response: final });
      out.end();
    } catch (error) {
      if (!out) throw error;
      emit!('response.failed', { response: { ...response('failed'), error: { code: 'server_error', message: (error as Error).message } } });
      out.end();
    }
    return reply;
  });
}
