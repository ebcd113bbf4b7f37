import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';

function field(name: string, what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `${name} is required: send ${what}` : `${name} must be ${what}, got ${describe(issue.input)}`,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}

const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

/**
 * What the gateway itself reads from an OpenAI chat request, and the common OpenAI
 * fields whose type it checks so a wrong type is a clear 400 here rather than an
 * obscure upstream failure. Every other field passes through untouched (loose object).
 */
export const chatRequestSchema = z.looseObject({
  model: z.string(field('model', 'a model id string such as "Qwen/Qwen3-0.6B"')).min(1, 'model must not be empty'),
  messages: z
    .array(
      z.looseObject({ role: z.string(field('messages[].role', 'a string such as "user"')) }, field('each message', 'an object {role, content}')),
      field('messages', 'an array of {role, content} objects'),
    )
    .min(1, 'messages must hold at least one message'),
  stream: optional(z.boolean(field('stream', 'true or false'))),
  gpu_preference: optional(z.string(field('gpu_preference', 'a GPU spec string such as "L40S" or "H100:2"'))),
  temperature: optional(z.number(field('temperature', 'a number from 0 to 2'))),
  top_p: optional(z.number(field('top_p', 'a number from 0 to 1'))),
  max_tokens: optional(z.number(field('max_tokens', 'a whole number')).int('max_tokens must be a whole number')),
  max_completion_tokens: optional(z.number(field('max_completion_tokens', 'a whole number')).int('max_completion_tokens must be a whole number')),
  n: optional(z.number(field('n', 'a whole number')).int('n must be a whole number')),
  seed: optional(z.number(field('seed', 'a whole number')).int('seed must be a whole number')),
  stop: optional(z.union([z.string(), z.array(z.string())], field('stop', 'a string or an array of strings'))),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Validates a parsed JSON body; the 400 names the first field at fault. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object with at least "model" and "messages".', 'body');
  }
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? pathOf(issue.path) : 'body';
  throw new GatewayError('invalid_request', issue?.message ?? 'The request body is malformed.', param || 'body');
}
