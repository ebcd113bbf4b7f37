import { z } from 'zod';
import { parseGpuSpec } from '../gpu/gpu-spec.js';

/**
 * The one config schema (STYLE.md §4). Every key has its default here; objects are
 * strict so that a misspelt key stops start-up instead of being ignored.
 */
function canonicalSpec(text: string, ctx: z.RefinementCtx): string {
  const result = parseGpuSpec(text);
  if (result.ok) return result.spec.canonical;
  ctx.addIssue({ code: 'custom', message: result.error.message });
  return z.NEVER;
}

/** A GPU spec, stored in canonical form (`h100:1` → `H100`). */
const gpuSpec = z.string().transform(canonicalSpec);

const httpUrl = z
  .string()
  .refine((text) => /^https?:\/\/[^/\s]+/.test(text) && URL.canParse(text), {
    message: 'must be an http:// or https:// base URL, e.g. "http://10.0.0.5:8000/v1"',
  });

const poolSchema = z.strictObject({
  /** A GPU spec, or "*" for any. */
  gpu: z
    .string()
    .transform((text, ctx) => (text === '*' ? text : canonicalSpec(text, ctx)))
    .default('*'),
  /** Model ids (case-insensitive), or "*" for any. */
  models: z.array(z.string().min(1)).min(1, 'list at least one model id, or "*"').default(['*']),
  /** OpenAI-compatible base URLs; requests are spread over them. */
  endpoints: z.array(httpUrl).min(1, 'list at least one OpenAI-compatible base URL, e.g. "http://10.0.0.5:8000/v1"'),
  /** Name of an environment variable whose value is sent upstream as a Bearer token. */
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. UPSTREAM_KEY').optional(),
  kind: z.literal('upstream').default('upstream'),
});

const modelFactsSchema = z.strictObject({
  totalParamsB: z.number().positive(),
  activeParamsB: z.number().positive(),
  layers: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  attentionHeads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  maxContext: z.number().int().positive(),
  weightDtype: z.enum(['bf16', 'fp16', 'fp8', 'mxfp4']),
  checkpointGb: z.number().positive().optional(),
});

const modelSchema = z.strictObject({
  inference_gpus: z.array(gpuSpec).optional(),
  training_gpus: z.array(gpuSpec).optional(),
  default_gpu: gpuSpec.optional(),
  facts: modelFactsSchema.optional(),
});

export const configSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8000),
    })
    .prefault({}),
  auth: z.strictObject({ api_keys: z.array(z.string().min(1, 'an API key cannot be empty')).default([]) }).prefault({}),
  /** Serve without API keys on a non-loopback address. */
  insecure: z.boolean().default(false),
  cors: z.strictObject({ origins: z.union([z.literal('*'), z.array(z.string().min(1))]).default('*') }).prefault({}),
  limits: z
    .strictObject({
      /** @default 10 MB, the largest request body accepted (413 above). */
      body_bytes: z.number().int().positive().default(10 * 1024 * 1024),
    })
    .prefault({}),
  upstream: z
    .strictObject({
      /** @default 5 s to open a connection; failures here are retried on another endpoint. */
      connect_timeout_ms: z.number().int().positive().default(5_000),
      /** @default 300 s for the upstream's response headers, and for each gap between body chunks. */
      timeout_ms: z.number().int().positive().default(300_000),
    })
    .prefault({}),
  gpus: z.strictObject({ allowed: z.array(gpuSpec).min(1).optional() }).prefault({}),
  estimates: z
    .strictObject({
      context_tokens: z.number().int().positive().default(8192),
      training_method: z.enum(['full', 'lora', 'qlora']).default('lora'),
    })
    .prefault({}),
  models: z.record(z.string().min(1), modelSchema).default({}),
  /** First match wins. */
  pools: z.array(poolSchema).default([]),
});

export type Config = z.infer<typeof configSchema>;
export type PoolConfig = Config['pools'][number];
