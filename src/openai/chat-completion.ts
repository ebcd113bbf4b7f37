import { randomUUID } from 'node:crypto';

/** Token counts as OpenAI reports them; `cached_tokens` is the prompt prefix a sequence already held. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export interface CompletionIdentity {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
}

/** One token of OpenAI's `logprobs.content`. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatChoice {
  index: number;
  message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[] };
  logprobs: { content: TokenLogprob[] } | null;
  finish_reason: string;
}

export function newCompletionIdentity(model: string, prefix = 'chatcmpl'): CompletionIdentity {
  return { id: `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 24)}`, model, created: Math.floor(Date.now() / 1000) };
}

export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export function usage(promptTokens: number, completionTokens: number, cachedTokens?: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(cachedTokens !== undefined && { prompt_tokens_details: { cached_tokens: cachedTokens } }),
  };
}

export function chatCompletion(identity: CompletionIdentity, choices: ChatChoice[], counts: Usage) {
  return { ...identity, object: 'chat.completion' as const, system_fingerprint: null, choices, usage: counts };
}

/** One `chat.completion.chunk`; the usage-only chunk of `stream_options.include_usage` has no choices. */
export function chatChunk(
  identity: CompletionIdentity,
  delta: Record<string, unknown> | null,
  finishReason: string | null = null,
  counts?: Usage,
  index = 0,
  logprobs: { content: TokenLogprob[] } | null = null,
) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    system_fingerprint: null,
    choices: delta === null ? [] : [{ index, delta, logprobs, finish_reason: finishReason }],
    ...(counts && { usage: counts }),
  };
}

export function sseEvent(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
