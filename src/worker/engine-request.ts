import { randomInt } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import type { Token } from 'node-llama-cpp';
import type { Sampling } from './llama-engine.js';

/** A request body the gateway has already checked is an object. */
export type Body = Record<string, unknown>;

/** A 400 that names the field at fault. */
export function bad(param: string, message: string): never {
  throw new GatewayError('invalid_request', message, param);
}

/** A list of token ids, as `prompt` and `input` may be given. */
export const isTokens = (value: unknown): value is Token[] => Array.isArray(value) && value.length > 0 && value.every((t) => Number.isInteger(t));

function given(body: Body, name: string): boolean {
  return body[name] !== undefined && body[name] !== null;
}

/** A number field within [min, max], or its default when absent (null counts as absent). */
export function numberIn(body: Body, name: string, min: number, max: number, fallback: number, whole = false): number {
  if (!given(body, name)) return fallback;
  const value = body[name];
  if (typeof value !== 'number' || (whole && !Number.isInteger(value)) || value < min || value > max) {
    bad(name, `${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Fields the engine cannot honour are 400s that name them (issue 12): answering as if
 * they had been honoured would mislead the caller. `check` says whether a value is one
 * the engine can serve anyway (e.g. `modalities: ["text"]`).
 */
export function refuseUnhonoured(body: Body, fields: Record<string, ((value: unknown) => boolean) | undefined>): void {
  for (const [name, acceptable] of Object.entries(fields)) {
    if (given(body, name) && !acceptable?.(body[name])) {
      bad(name, `${name} is not supported by the built-in engine; leave it out, or route this model to an upstream pool that supports it.`);
    }
  }
}

function stopOf(body: Body): string[] {
  const stop = body.stop;
  if (!given(body, 'stop')) return [];
  if (typeof stop === 'string') return stop ? [stop] : [];
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return (stop as string[]).filter(Boolean);
  return bad('stop', 'stop must be a string or an array of strings.');
}

function logitBiasOf(body: Body, vocabularySize: number): Map<number, number> | undefined {
  if (!given(body, 'logit_bias')) return undefined;
  const bias = body.logit_bias;
  if (typeof bias !== 'object' || Array.isArray(bias)) bad('logit_bias', 'logit_bias must be an object from token id to a bias from -100 to 100.');
  const out = new Map<number, number>();
  for (const [key, value] of Object.entries(bias as Body)) {
    const token = Number(key);
    if (!Number.isInteger(token) || token < 0 || token >= vocabularySize) bad('logit_bias', `logit_bias key ${JSON.stringify(key)} is not a token id of this model (0 to ${vocabularySize - 1}).`);
    if (typeof value !== 'number' || value < -100 || value > 100) bad('logit_bias', `logit_bias[${key}] must be a number from -100 to 100.`);
    out.set(token, value);
  }
  return out;
}

/** A fresh seed per call when none is given: llama.cpp's own default repeats within a second (issue 12). */
export function seedOf(body: Body): number {
  return given(body, 'seed') ? numberIn(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0, true) : randomInt(2 ** 31);
}

/**
 * The sampling fields every generating route shares, checked against OpenAI's ranges.
 * @param maxTokens the field names that may carry the completion limit, first wins
 */
export function samplingOf(body: Body, options: { maxTokens: readonly string[]; defaultMaxTokens: number; vocabularySize: number; topLogprobs?: number | undefined }): Omit<Sampling, 'maxTokens'> & { maxTokens: number | undefined } {
  let maxTokens: number | undefined;
  for (const name of options.maxTokens) {
    if (given(body, name)) {
      maxTokens ??= numberIn(body, name, 1, Number.MAX_SAFE_INTEGER, 0, true);
    }
  }
  return {
    maxTokens,
    temperature: numberIn(body, 'temperature', 0, 2, 1),
    topP: numberIn(body, 'top_p', 0, 1, 1),
    seed: seedOf(body),
    stop: stopOf(body),
    presencePenalty: numberIn(body, 'presence_penalty', -2, 2, 0),
    frequencyPenalty: numberIn(body, 'frequency_penalty', -2, 2, 0),
    logitBias: logitBiasOf(body, options.vocabularySize),
    topLogprobs: options.topLogprobs,
  };
}

/**
 * The completion limit, checked against the context as vLLM does: prompt plus
 * completion must fit, else a 400 with both numbers.
 */
export function fitMaxTokens(requested: number | undefined, fallback: number, promptTokens: number, contextTokens: number, what: string, param: string): number {
  const room = contextTokens - promptTokens;
  const maxTokens = requested ?? Math.min(fallback, room);
  if (maxTokens < 1 || promptTokens + maxTokens > contextTokens) {
    bad(
      param,
      `This model's maximum context length is ${contextTokens} tokens. However, you requested ${promptTokens + Math.max(maxTokens, 1)} tokens (${promptTokens} in the ${what}, ${Math.max(maxTokens, 1)} in the completion). Please reduce the length of the ${what} or completion.`,
    );
  }
  return maxTokens;
}
