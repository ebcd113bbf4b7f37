import { ROUTE_SCHEMAS } from '../openapi/schemas.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { estimateInference, estimateTraining, TRAINING_METHODS } from '../../catalog/memory-estimate.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { buildAllowList } from '../../gpu/allow-list.js';
import { specMemoryGb, specPricePerHour } from '../../gpu/gpu-spec.js';
import { GPU_TYPES } from '../../gpu/gpu-types.js';
import { validateConfiguration } from '../../routing/validate-configuration.js';
import type { GatewayContext } from '../gateway-context.js';

const validationSchema = z.looseObject({
  model: z.string({ error: (i) => (i.input === undefined ? 'model is required: send a model id such as "Qwen/Qwen3-0.6B"' : 'model must be a string') }).min(1, 'model must not be empty'),
  gpu: z.string({ error: 'gpu must be a GPU spec string such as "A100" or "H100:2"' }).nullish(),
  task_type: z.enum(['inference', 'training'], { error: 'task_type must be "inference" or "training"' }).default('inference'),
  context_tokens: z
    .number({ error: 'context_tokens must be a number of tokens such as 32768' })
    .int('context_tokens must be a whole number of tokens')
    .positive('context_tokens must be at least 1')
    .max(10_000_000, 'context_tokens must be at most 10000000; models cap it at their own maximum anyway')
    .nullish(),
});

function gpuCatalog(ctx: GatewayContext) {
  const allowed = new Set(ctx.catalog.list().flatMap((m) => [...m.inferenceGpus, ...m.trainingGpus].map((s) => s.canonical)));
  return {
    types: GPU_TYPES.map((t) => ({
      name: t.name,
      memory_mib: t.memoryMib,
      memory_gb: t.memoryGb,
      bandwidth_gbps: t.bandwidthGbps,
      bf16_tflops: t.bf16Tflops,
      price_per_hour: t.pricePerHour,
      price_confirmed: t.priceConfirmed,
      max_per_machine: t.maxPerMachine,
    })),
    specs: buildAllowList(ctx.config.gpus.allowed).map((spec) => ({
      spec: spec.canonical,
      type: spec.type.name,
      count: spec.count,
      memory_gb: specMemoryGb(spec),
      price_per_hour: specPricePerHour(spec),
      used_by_a_model: allowed.has(spec.canonical),
    })),
  };
}

function modelCatalog(ctx: GatewayContext) {
  return ctx.catalog.list().map((model) => {
    const f = model.facts;
    return {
      id: model.id,
      facts: f
        ? { total_params_b: f.totalParamsB, active_params_b: f.activeParamsB, layers: f.layers, hidden_size: f.hiddenSize, attention_heads: f.attentionHeads, kv_heads: f.kvHeads, head_dim: f.headDim, max_context: f.maxContext, weight_dtype: f.weightDtype }
        : null,
      memory_gb: f
        ? {
            inference: estimateInference(f, { contextTokens: ctx.config.estimates.context_tokens }).totalGb,
            training: Object.fromEntries(TRAINING_METHODS.map((method) => [method, estimateTraining(f, method).totalGb])),
          }
        : null,
      default_gpu: model.defaultGpu?.canonical ?? null,
      inference_gpus: model.inferenceGpus.map((s) => s.canonical),
      training_gpus: model.trainingGpus.map((s) => s.canonical),
    };
  });
}

/** The capabilities API: what exists, and whether a configuration would run, before anyone pays for it. */
export function registerCapabilities(app: FastifyInstance, ctx: GatewayContext) {
  const gpus = gpuCatalog(ctx);
  const models = { models: modelCatalog(ctx), estimates: ctx.config.estimates };
  app.get('/v1/capabilities/gpus', { schema: ROUTE_SCHEMAS.gpus }, async () => gpus);
  app.get('/v1/capabilities/models', { schema: ROUTE_SCHEMAS.catalog }, async () => models);
  app.post('/v1/capabilities/validate', { schema: ROUTE_SCHEMAS.validate }, async (request) => {
    if (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body)) {
      throw new GatewayError('invalid_request', 'The request body must be a JSON object: {"model": "...", "gpu": "A100", "task_type": "inference"}.', 'body');
    }
    const parsed = validationSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GatewayError('invalid_request', issue?.message ?? 'The request body is malformed.', issue?.path.join('.') || 'body');
    }
    const { model, gpu, task_type, context_tokens } = parsed.data;
    return validateConfiguration(ctx.catalog, { model, gpu: gpu ?? undefined, task_type, context_tokens: context_tokens ?? undefined });
  });
}
