import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}

/** zod params whose message names the field, says what it must be and what was sent. */
export function field(name: string, what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `${name} is required: send ${what}` : `${name} must be ${what}, got ${describe(issue.input)}`,
  };
}

/** OpenAI clients send `null` for a field they leave unset. */
export const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

/** The field the model id goes in, the same on every OpenAI route. */
export const modelField = z.string(field('model', 'a model id string such as "Qwen/Qwen3-0.6B"')).min(1, 'model must not be empty');

/** Gateway-only: which GPU the call runs on (ARCHITECTURE.md "Contracts"). */
export const gpuPreferenceField = optional(z.string(field('gpu_preference', 'a GPU spec string such as "L40S" or "H100:2"')));

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/**
 * Validates a parsed JSON body; the 400 names the first field at fault.
 * @param needs what a body must hold at least, for the message when it is not an object
 */
export function parseRequestBody<T extends z.ZodType>(schema: T, body: unknown, needs: string): z.infer<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', `The request body must be a JSON object with at least ${needs}.`, 'body');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue ? pathOf(issue.path) : 'body';
  throw new GatewayError('invalid_request', issue?.message ?? 'The request body is malformed.', param || 'body');
}
