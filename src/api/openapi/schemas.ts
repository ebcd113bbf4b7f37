import { z } from 'zod';
import { ERROR_CODES } from '../../errors/error-codes.js';
import { chatRequestSchema } from '../../openai/chat-request.js';
import { completionRequestSchema, embeddingRequestSchema, responseRequestSchema } from '../../openai/routed-requests.js';

/**
 * Route schemas for the OpenAPI document only: validation stays with zod (for messages
 * that name the field) and responses are sent as built (so upstream fields survive), see
 * build-app.ts. JSON Schema 2020-12, as OpenAPI 3.1 uses.
 */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const errorBodySchema = {
  type: 'object',
  description: 'Every error: the FastAPI-style `detail` plus an OpenAI `error` object with the same message.',
  required: ['detail', 'error'],
  properties: {
    detail: { type: 'string' },
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', enum: [...new Set(Object.values(ERROR_CODES).map((c) => c.type))] },
        param: { type: ['string', 'null'] },
        code: { type: 'string', enum: Object.keys(ERROR_CODES) },
      },
    },
  },
};

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ...errorBodySchema, description: 'Error (see docs/api.md "Errors")' }]));

const keyHeaders = {
  authorization: { type: 'string', description: 'Bearer <key>, when keys are configured.' },
  'x-api-key': { type: 'string', description: 'The key, as an alternative to Authorization.' },
  'x-request-id': { type: 'string', description: 'Kept when it matches [A-Za-z0-9._:-]{1,128}; generated otherwise. Echoed in the response.' },
};

const gpuHeader = { 'x-gpu-preference': { type: 'string', description: 'GPU spec TYPE[:N], e.g. L40S or H100:2. The body field gpu_preference (chat, completions, embeddings, responses) or ?gpu= (warm-up) wins over it.' } };

const fingerprint = { type: 'object', properties: { selected_gpu: { type: 'string' } }, required: ['selected_gpu'] };

const routedErrors = errors(400, 401, 404, 413, 415, 502, 503, 504);
const routedHeaders = { type: 'object', properties: { ...keyHeaders, ...gpuHeader } } as const;

/** A routed OpenAI call other than chat: the upstream's answer, stamped as `stamped` says. */
function routedCall(summary: string, body: z.ZodType, answer: string, stamped: Record<string, unknown>) {
  return {
    summary,
    tags: ['openai'],
    headers: routedHeaders,
    body: jsonSchema(body),
    response: { 200: { description: `${answer} Headers: X-Selected-GPU, X-Request-Id, X-Gateway-Overhead-Ms.`, type: 'object', properties: stamped, additionalProperties: true }, ...routedErrors },
  };
}

const requestedModel = { model: { type: 'string', description: 'The id as requested.' } };

const modelIdParam = { type: 'object', properties: { '*': { type: 'string', description: 'Model id, raw, slashes included: Qwen/Qwen3-0.6B' } }, required: ['*'] };
const warmupQuery = { gpu: { type: 'string', description: 'GPU spec; beats X-GPU-Preference.' } };

const poolStatus = {
  type: 'object',
  required: ['status', 'model', 'gpu', 'timestamp', 'since', 'device', 'weights'],
  properties: {
    status: { type: 'string', enum: ['cold', 'downloading', 'warming', 'warmed', 'failed'] },
    model: { type: 'string' },
    gpu: { type: 'string' },
    timestamp: { type: 'integer', description: 'Now, Unix seconds.' },
    since: { type: 'integer', description: 'When the pool entered its status, Unix seconds.' },
    last_used: { type: ['integer', 'null'] },
    kind: { type: 'string', enum: ['local', 'upstream'] },
    device: { type: 'string', description: 'cpu, cuda, vulkan, metal (local workers) or remote (upstreams).' },
    weights: { type: 'string', description: '"test-model", a GGUF path, or "remote".' },
    error: { type: 'string', description: 'Only when failed.' },
    progress: { type: 'number', minimum: 0, maximum: 1, description: 'Only while downloading: share of the weights downloaded (0 until the size is known).' },
    bytes: { type: 'integer', description: 'Only while downloading: bytes downloaded so far.' },
    total_bytes: { type: 'integer', description: 'Only while downloading: the size of the weights (0 until the server has told it).' },
  },
};

export const ROUTE_SCHEMAS = {
  chat: {
    summary: 'OpenAI chat completion, routed to the GPU the call names',
    tags: ['openai'],
    headers: { type: 'object', properties: { ...keyHeaders, ...gpuHeader } },
    body: jsonSchema(chatRequestSchema),
    response: {
      200: {
        description: 'The upstream completion (or, with stream: true, text/event-stream of chat.completion.chunk objects, each stamped the same way). Headers: X-Selected-GPU, X-Request-Id, X-Gateway-Overhead-Ms.',
        type: 'object',
        properties: { model: { type: 'string', description: 'The id as requested.' }, system_fingerprint: fingerprint },
        additionalProperties: true,
      },
      ...errors(400, 401, 404, 413, 415, 502, 503, 504),
    },
  },
  completions: routedCall(
    'OpenAI (legacy) text completion, routed to the GPU the call names',
    completionRequestSchema,
    'The upstream completion (or, with stream: true, text/event-stream of text_completion chunks, each stamped the same way).',
    { ...requestedModel, system_fingerprint: fingerprint },
  ),
  embeddings: routedCall('OpenAI embeddings, routed to the GPU the call names', embeddingRequestSchema, 'The upstream embedding list, encoding_format as asked (base64 passes through untouched).', requestedModel),
  responses: routedCall(
    'OpenAI Responses API call, routed to the GPU the call names',
    responseRequestSchema,
    'The upstream Response object (or, with stream: true, its text/event-stream events, passed through untouched).',
    requestedModel,
  ),
  model: {
    summary: 'One OpenAI model entry; the id raw with its slash or percent-encoded',
    tags: ['openai'],
    headers: { type: 'object', properties: keyHeaders },
    params: { type: 'object', properties: { '*': { type: 'string', description: 'Model id, raw (Qwen/Qwen3-0.6B) or percent-encoded (Qwen%2FQwen3-0.6B)' } }, required: ['*'] },
    response: {
      200: { type: 'object', properties: { id: { type: 'string' }, object: { const: 'model' }, created: { type: 'integer' }, owned_by: { type: 'string' } } },
      ...errors(401, 404),
    },
  },
  models: {
    summary: 'The OpenAI model list',
    tags: ['openai'],
    headers: { type: 'object', properties: keyHeaders },
    response: {
      200: { type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, object: { const: 'model' }, created: { type: 'integer' }, owned_by: { type: 'string' } } } } } },
      ...errors(401),
    },
  },
  health: {
    summary: 'Liveness (no key needed); with a key, or when no keys are configured, also the weights local pools run and pool counts by state. 503 while shutting down',
    tags: ['operations'],
    response: { 200: { type: 'object', properties: { status: { const: 'ok' }, started: { type: 'string' }, models: { type: 'integer' }, weights: { type: 'object', additionalProperties: { type: 'integer' } }, pools: { type: 'object', additionalProperties: { type: 'integer' } }, devices: { type: 'array', description: 'NVIDIA devices local pools get (empty on a host without GPUs), and the pool MODEL@SPEC holding each', items: { type: 'object', properties: { index: { type: 'integer' }, uuid: { type: 'string' }, name: { type: 'string' }, type: { type: ['string', 'null'] }, memory_gb: { type: 'number' }, pool: { type: ['string', 'null'] } } } } } }, 503: { type: 'object', properties: { status: { const: 'draining' } } } },
  },
  metrics: {
    summary: 'Prometheus metrics (text exposition format)',
    tags: ['operations'],
    headers: { type: 'object', properties: keyHeaders },
    response: { 200: { description: 'text/plain; version=0.0.4', type: 'string' }, ...errors(401) },
  },
  validate: {
    summary: 'Would (model, gpu, task) run? 200 with valid: false when it would not',
    tags: ['capabilities'],
    headers: { type: 'object', properties: keyHeaders },
    body: {
      type: 'object',
      required: ['model'],
      properties: {
        model: { type: 'string' },
        gpu: { type: ['string', 'null'], description: 'Default: the model default.' },
        task_type: { type: 'string', enum: ['inference', 'training'], default: 'inference' },
        context_tokens: { type: ['integer', 'null'], minimum: 1, description: 'Tokens per sequence to size inference for. Default: estimates.context_tokens.' },
      },
      additionalProperties: true,
    },
    response: {
      200: {
        type: 'object',
        required: ['valid', 'errors', 'suggestions', 'gpu', 'model', 'context_tokens', 'max_context_tokens', 'memory'],
        properties: {
          valid: { type: 'boolean' },
          errors: { type: 'array', items: { type: 'string' } },
          suggestions: { type: 'array', items: { type: 'string' } },
          gpu: { type: ['string', 'null'] },
          model: { type: 'string' },
          task_type: { type: 'string' },
          context_tokens: { type: 'integer', description: 'The context inference was checked at.' },
          max_context_tokens: { type: ['integer', 'null'], description: 'Longest context the spec holds by the estimate, capped at the model maximum; null for training or when unknown.' },
          memory: {
            type: 'object',
            properties: {
              required_gb: { type: ['number', 'null'], description: 'Whole spec.' },
              available_gb: { type: ['number', 'null'], description: 'Whole spec.' },
              per_gpu: { type: 'object', properties: { required_gb: { type: ['number', 'null'] }, available_gb: { type: ['number', 'null'] } } },
            },
          },
          assumptions: { type: 'object', description: 'Training only.', properties: { method: { type: 'string', enum: ['full', 'lora', 'qlora'] }, seq_len: { type: 'integer' }, batch: { type: 'integer' } } },
        },
      },
      ...errors(400, 401),
    },
  },
  gpus: { summary: 'GPU types (memory, bandwidth, TFLOPS, price) and allowed specs', tags: ['capabilities'], headers: { type: 'object', properties: keyHeaders }, response: { 200: { type: 'object', additionalProperties: true }, ...errors(401) } },
  catalog: { summary: 'Catalog models: facts, memory estimates, allowed GPUs, default', tags: ['capabilities'], headers: { type: 'object', properties: keyHeaders }, response: { 200: { type: 'object', additionalProperties: true }, ...errors(401) } },
  warmup: {
    summary: 'Warm a model on a GPU (?wait=true blocks until warmed)',
    tags: ['warm-up'],
    headers: { type: 'object', properties: { ...keyHeaders, ...gpuHeader } },
    params: modelIdParam,
    querystring: { type: 'object', properties: { ...warmupQuery, wait: { type: 'string', enum: ['true', '1', 'false', '0'] } } },
    response: {
      200: { type: 'object', required: ['status', 'model', 'gpu', 'timestamp'], properties: { status: { type: 'string', enum: ['warming', 'warmed'] }, model: { type: 'string' }, gpu: { type: 'string' }, timestamp: { type: 'integer' } } },
      ...errors(400, 401, 404, 502, 503),
    },
  },
  warmupStatus: {
    summary: 'State of one pool (model on a GPU)',
    tags: ['warm-up'],
    headers: { type: 'object', properties: { ...keyHeaders, ...gpuHeader } },
    params: modelIdParam,
    querystring: { type: 'object', properties: warmupQuery },
    response: { 200: poolStatus, ...errors(400, 401, 404, 503) },
  },
  warmupList: {
    summary: 'Every pool the gateway knows',
    tags: ['warm-up'],
    headers: { type: 'object', properties: keyHeaders },
    response: { 200: { type: 'object', properties: { pools: { type: 'array', items: poolStatus } } }, ...errors(401) },
  },
} as const;
