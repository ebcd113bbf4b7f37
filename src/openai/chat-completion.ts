import { randomUUID } from 'node:crypto';

/** Token counts as OpenAI reports them. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface CompletionIdentity {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
}

export function newCompletionIdentity(model: string): CompletionIdentity {
  return { id: `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`, model, created: Math.floor(Date.now() / 1000) };
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function chatCompletion(identity: CompletionIdentity, text: string, finishReason: string, counts: Usage) {
  return {
    ...identity,
    object: 'chat.completion' as const,
    system_fingerprint: null,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: text }, logprobs: null, finish_reason: finishReason }],
    usage: counts,
  };
}

/** One `chat.completion.chunk`; the usage-only chunk of `stream_options.include_usage` has no choices. */
export function chatChunk(identity: CompletionIdentity, delta: Record<string, unknown> | null, finishReason: string | null = null, counts?: Usage) {
  return {
    ...identity,
    object: 'chat.completion.chunk' as const,
    system_fingerprint: null,
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(counts && { usage: counts }),
  };
}

export function sseEvent(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
