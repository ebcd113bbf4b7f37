import { z } from 'zod';
import { parseGgufSource } from '../catalog/gguf-sources.js';
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

/** What a command engine's arguments may name; each is replaced when the pool starts. */
export const COMMAND_PLACEHOLDERS = ['model', 'gguf', 'port', 'count', 'devices', 'type'] as const;

/** `{name}`: a word in braces, so JSON arguments such as '{"temperature": 0}' pass through. */
function knownPlaceholders(args: string[], ctx: z.RefinementCtx): void {
  for (const arg of args) {
    for (const [, name] of arg.matchAll(/\{([A-Za-z_]+)\}/g)) {
      if (!(COMMAND_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}} in "${arg}"; the placeholders are ${COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` });
      }
    }
  }
}

/** A GPU spec, stored in canonical form (`h100:1` → `H100`). */
const gpuSpec = z.string().transform(canonicalSpec);

/**
 * An endpoint's base URL. Credentials and query strings are refused, not dropped: the
 * gateway never sent them, and a URL must be safe to log (issue 14 §9).
 */
const httpUrl = z.string().superRefine((text, ctx) => {
  if (!/^https?:\/\/[^/\s]+/.test(text) || !URL.canParse(text)) {
    return ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// base URL, e.g. "http://10.0.0.5:8000/v1"' });
  }
  const url = new URL(text);
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password: put the key in an environment variable and name it in the pool\'s api_key_env (sent as a Bearer token)' });
  }
  if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a query string or fragment: a token goes in an environment variable named by the pool\'s api_key_env (sent as a Bearer token)' });
  }
});

const poolSchema = z
  .strictObject({
    /**
     * `upstream`: OpenAI-compatible endpoints someone else runs. `local`: the gateway
     * spawns one `gpuroute worker` per (model, gpu) and forwards to it.
     */
    kind: z.enum(['upstream', 'local']).default('upstream'),
    /** A GPU spec, or "*" for any. */
    gpu: z
      .string()
      .transform((text, ctx) => (text === '*' ? text : canonicalSpec(text, ctx)))
      .default('*'),
    /** Model ids (case-insensitive), or "*" for any. */
    models: z.array(z.string().min(1)).min(1, 'list at least one model id, or "*"').default(['*']),
    /** OpenAI-compatible base URLs; requests are spread over them. Upstream pools only. */
    endpoints: z.array(httpUrl).min(1, 'list at least one OpenAI-compatible base URL, e.g. "http://10.0.0.5:8000/v1"').optional(),
    /** Name of an environment variable whose value is sent upstream as a Bearer token. */
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. UPSTREAM_KEY').optional(),
    /** Local pools: `llama.cpp` (the built-in worker) or `command` (any OpenAI-compatible server). @default llama.cpp */
    engine: z.enum(['llama.cpp', 'command'], { message: 'must be "llama.cpp" (the built-in worker) or "command" (start your own server)' }).optional(),
    /** `engine: command`: the argument list (no shell), with placeholders; see COMMAND_PLACEHOLDERS. */
    command: z.array(z.string().min(1)).min(1, 'give the server command as an argument list, e.g. ["vllm", "serve", "{model}", "--port", "{port}"]').superRefine(knownPlaceholders).optional(),
    /** `engine: command`: the path that answers 200 once the server is ready. @default /health, then /v1/models */
    ready_path: z.string().regex(/^\/[^\s?#]*$/, 'must be a path such as "/health"').optional(),
  })
  .superRefine((pool, ctx) => {
    if (pool.kind === 'upstream' && !pool.endpoints) {
      ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'an upstream pool needs endpoints: ["http://HOST:PORT/v1"] (or set kind: local to run workers here)' });
    }
    if (pool.engine === 'command' && !pool.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'engine: command needs command: an argument list, e.g. ["vllm", "serve", "{model}", "--port", "{port}"]' });
    }
    if ((pool.command || pool.ready_path) && pool.engine !== 'command') {
      ctx.addIssue({ code: 'custom', path: [pool.command ? 'command' : 'ready_path'], message: 'command and ready_path belong to a local pool with engine: command' });
    }
    if (pool.engine && pool.kind !== 'local') {
      ctx.addIssue({ code: 'custom', path: ['engine'], message: 'engine belongs to kind: local pools; an upstream pool calls endpoints someone else runs' });
    }
    if (pool.kind === 'local' && (pool.endpoints || pool.api_key_env)) {
      ctx.addIssue({ code: 'custom', path: [pool.endpoints ? 'endpoints' : 'api_key_env'], message: 'a local pool starts its own workers: remove endpoints and api_key_env, or set kind: upstream' });
    }
  });

/** Written snake_case like every config key; handed to the catalog in its own camelCase. */
const modelFactsSchema = z
  .strictObject({
    total_params_b: z.number().positive(),
    active_params_b: z.number().positive().optional(),
    layers: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    attention_heads: z.number().int().positive(),
    kv_heads: z.number().int().positive(),
    head_dim: z.number().int().positive(),
    max_context: z.number().int().positive(),
    weight_dtype: z.enum(['bf16', 'fp16', 'fp8', 'mxfp4']).default('bf16'),
    checkpoint_gb: z.number().positive().optional(),
    /** Layers that attend to a window of the last `tokens` tokens only (gpt-oss: 12 of 24, 128). */
    sliding_window: z.strictObject({ layers: z.number().int().positive(), tokens: z.number().int().positive() }).optional(),
  })
  .refine((f) => !f.sliding_window || f.sliding_window.layers <= f.layers, { message: 'sliding_window.layers cannot exceed layers', path: ['sliding_window', 'layers'] })
  .transform((f) => ({
    totalParamsB: f.total_params_b,
    activeParamsB: f.active_params_b ?? f.total_params_b,
    layers: f.layers,
    hiddenSize: f.hidden_size,
    attentionHeads: f.attention_heads,
    kvHeads: f.kv_heads,
    headDim: f.head_dim,
    maxContext: f.max_context,
    weightDtype: f.weight_dtype,
    ...(f.checkpoint_gb !== undefined && { checkpointGb: f.checkpoint_gb }),
    ...(f.sliding_window !== undefined && { slidingWindow: f.sliding_window }),
  }));

const modelSchema = z.strictObject({
  /**
   * GGUF weights for local workers: a path (beats `<workers.models_dir>/<id>.gguf`), or
   * where `gpuroute pull` downloads them from: `hf:<repo>[:<quant>]` or an http(s) URL.
   */
  gguf: z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const source = parseGgufSource(text);
      if ('error' in source) ctx.addIssue({ code: 'custom', message: source.error });
    })
    .optional(),
  inference_gpus: z.array(gpuSpec).optional(),
  training_gpus: z.array(gpuSpec).optional(),
  default_gpu: gpuSpec.optional(),
  facts: modelFactsSchema.optional(),
});

/** startup.warm_calls, and the edge proxy's --warm-calls. */
export const DEFAULT_WARM_CALLS = 2_000;
export const MAX_WARM_CALLS = 100_000;

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
      /** @default 10 s for a client to send its request headers; slow-header clients are cut off. */
      header_timeout_ms: z.number().int().positive().default(10_000),
      /** @default 60 s for a client to send its whole request; slow-body clients are cut off. */
      request_timeout_ms: z.number().int().positive().default(60_000),
      /** @default 32 MB, the largest upstream body read whole (JSON, errors); over it: 502 upstream_too_large. */
      max_upstream_body_bytes: z.number().int().positive().default(32 * 1024 * 1024),
      /** @default 8 MB, the longest event-stream line relayed; a longer one ends the stream with an upstream_too_large event. */
      max_event_bytes: z.number().int().positive().default(8 * 1024 * 1024),
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
  gpus: z
    .strictObject({
      allowed: z.array(gpuSpec).min(1).optional(),
      /** Share of each card's memory.total a model may use (vLLM's gpu_memory_utilization). @default 0.9 */
      memory_utilization: z.number().gt(0, 'must be above 0, e.g. 0.9').max(1, 'cannot exceed 1 (the whole card); vLLM defaults to 0.9').default(0.9),
      /**
       * Which of this host's NVIDIA devices local pools may use, and as what type; beats
       * what nvidia-smi reports. "none": run every spec on the CPU. @default discovered
       */
      devices: z
        .union([
          z.literal('none'),
          z.array(
            z.strictObject({
              index: z.number().int().nonnegative(),
              type: z.string().transform((text, ctx) => {
                const parsed = parseGpuSpec(text);
                if (parsed.ok && parsed.spec.count === 1) return parsed.spec.type.name;
                ctx.addIssue({ code: 'custom', message: `must be one GPU type such as "H100"${parsed.ok ? '' : `: ${parsed.error.message}`}` });
                return z.NEVER;
              }),
            }),
          ),
        ], { message: 'must be "none" or a list of {index, type}, e.g. [{index: 0, type: H100}]' })
        .optional(),
    })
    .prefault({}),
  estimates: z
    .strictObject({
      context_tokens: z.number().int().positive().default(8192),
      training_method: z.enum(['full', 'lora', 'qlora']).default('lora'),
    })
    .prefault({}),
  models: z.record(z.string().min(1), modelSchema).default({}),
  workers: z
    .strictObject({
      /** Where `<model id>.gguf` files are looked up, and the generated test model is kept. */
      models_dir: z.string().min(1).default('./models'),
      /** @default 2 live worker processes; an idle one is evicted (least recently used) to start another. */
      max_live: z.number().int().positive().default(2),
      /** @default 60 s a start may wait in line for a worker slot or a device before 503 no_capacity. */
      queue_timeout_ms: z.number().int().positive().default(60_000),
      /** @default 256 starts waiting in line at once; one more is 503 no_capacity at once. */
      max_queue: z.number().int().nonnegative().default(256),
      /** llama.cpp threads per worker; 1 generates fastest on a 2-core machine. */
      threads: z.number().int().positive().default(1),
      context_tokens: z.number().int().min(64).default(2048),
      /** @default false. A local pool whose model has no weights on disk downloads them on its first warm-up (`serve --pull`). */
      pull: z.boolean().default(false),
      /** @default 4 sequences per worker, generated together in one batched context (`gpuroute worker --parallel`). */
      parallel: z.number().int().min(1).max(64).default(4),
    })
    .prefault({}),
  warmup: z
    .strictObject({
      /** @default 10 min without a call before a warm pool goes cold (its worker stops). */
      idle_ttl_ms: z.number().int().positive().default(600_000),
      /** @default 120 s for a pool to become warm, for warm-ups and for calls to a cold pool. */
      timeout_ms: z.number().int().positive().default(120_000),
    })
    .prefault({}),
  startup: z
    .strictObject({
      /**
       * @default 2000 chat completions sent through a throwaway copy of the gateway, on
       * loopback against a stand-in upstream in the same process, before it listens: its
       * first second under load then runs compiled code (docs/benchmarks.md). 0: skip.
       */
      warm_calls: z.number().int().min(0).max(MAX_WARM_CALLS).default(DEFAULT_WARM_CALLS),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      /** @default 30 s for in-flight requests and open streams to finish after SIGTERM. */
      drain_ms: z.number().int().nonnegative().default(30_000),
      /**
       * @default 1 s of accepting after SIGTERM (answers say `Connection: close`), so that
       * connections the kernel already accepted are served, not reset; then the listener closes.
       */
      accept_grace_ms: z.number().int().nonnegative().default(1_000),
    })
    .prefault({}),
  /** First match wins. Default: local workers for every catalog model on every allowed GPU. */
  pools: z.array(poolSchema).default([{ kind: 'local', gpu: '*', models: ['*'] }]),
  /**
   * Where pool states live (issue 5 §2). `memory`: this process only. `redis`: shared by
   * every replica that points at the same Redis and key_prefix, so one warm-up starts
   * one pool across the fleet.
   */
  state: z
    .strictObject({
      /** @default memory */
      store: z.enum(['memory', 'redis'], { message: 'must be "memory" (one process) or "redis" (replicas share state)' }).default('memory'),
      /** @default redis://127.0.0.1:6379; only read with store: redis. */
      url: z
        .string()
        .refine((text) => /^rediss?:\/\/[^\s]+$/.test(text) && URL.canParse(text), {
          message: 'must be a redis:// or rediss:// URL, e.g. "redis://127.0.0.1:6379" or "redis://:PASSWORD@10.0.0.7:6379/0"',
        })
        .default('redis://127.0.0.1:6379'),
      /** @default "gpuroute:"; every key and the change channel start with it, so fleets can share one Redis. */
      key_prefix: z.string().min(1, 'cannot be empty; use e.g. "gpuroute:" (replicas of one fleet must use the same prefix)').default('gpuroute:'),
      /**
       * @default 15 s. Lifetime of a warm-up claim; the holder renews it every third of
       * this, so a replica that dies blocks others' warm-ups of its pools at most this long.
       */
      claim_ttl_ms: z.number().int().min(300, 'must be at least 300 ms (the claim is renewed every third of it); 15000 is the default').default(15_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type PoolConfig = Config['pools'][number];
