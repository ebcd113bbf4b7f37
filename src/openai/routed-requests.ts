import { z } from 'zod';
import { field, gpuPreferenceField, modelField, optional } from './request-body.js';

/**
 * What the gateway reads from the other routed OpenAI bodies (chat is chat-request.ts):
 * the model, the GPU, whether to stream, and the type of the one input the route cannot
 * do without, so a wrong type is a clear 400 here. Everything else passes through
 * untouched: the upstream (vLLM, SGLang, llama-server, a gpuroute worker) judges it.
 */
const stream = optional(z.boolean(field('stream', 'true or false')));

/** A prompt or an embedding input as OpenAI takes it: text, a list of texts, or token ids. */
const textOrList = (name: string) =>
  z.union([z.string(), z.array(z.union([z.string(), z.number(), z.array(z.number())]))], field(name, 'a string, an array of strings, or an array of token ids'));

export const completionRequestSchema = z.looseObject({
  model: modelField,
  prompt: textOrList('prompt'),
  stream,
  gpu_preference: gpuPreferenceField,
});

export const embeddingRequestSchema = z.looseObject({
  model: modelField,
  input: textOrList('input'),
  encoding_format: optional(z.string(field('encoding_format', '"float" or "base64"'))),
  gpu_preference: gpuPreferenceField,
});

export const responseRequestSchema = z.looseObject({
  model: modelField,
  input: optional(z.union([z.string(), z.array(z.unknown())], field('input', 'a string or an array of input items'))),
  instructions: optional(z.string(field('instructions', 'a string'))),
  stream,
  gpu_preference: gpuPreferenceField,
});
