import { z } from 'zod';
import { field, gpuPreferenceField, modelField, optional, parseRequestBody } from './request-body.js';

/**
 * What the gateway itself reads from an OpenAI chat request, and the common OpenAI
 * fields whose type it checks so a wrong type is a clear 400 here rather than an
 * obscure upstream failure. Every other field passes through untouched (loose object).
 */
export const chatRequestSchema = z.looseObject({
  model: modelField,
  messages: z
    .array(
      z.looseObject({ role: z.string(field('messages[].role', 'a string such as "user"')) }, field('each message', 'an object {role, content}')),
      field('messages', 'an array of {role, content} objects'),
    )
    .min(1, 'messages must hold at least one message'),
  stream: optional(z.boolean(field('stream', 'true or false'))),
  gpu_preference: gpuPreferenceField,
  temperature: optional(z.number(field('temperature', 'a number from 0 to 2'))),
  top_p: optional(z.number(field('top_p', 'a number from 0 to 1'))),
  max_tokens: optional(z.number(field('max_tokens', 'a whole number')).int('max_tokens must be a whole number')),
  max_completion_tokens: optional(z.number(field('max_completion_tokens', 'a whole number')).int('max_completion_tokens must be a whole number')),
  n: optional(z.number(field('n', 'a whole number')).int('n must be a whole number')),
  seed: optional(z.number(field('seed', 'a whole number')).int('seed must be a whole number')),
  stop: optional(z.union([z.string(), z.array(z.string())], field('stop', 'a string or an array of strings'))),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Validates a parsed JSON body; the 400 names the first field at fault. */
export function parseChatRequest(body: unknown): ChatRequest {
  return parseRequestBody(chatRequestSchema, body, '"model" and "messages"');
}
