import { TRAINING_DEFAULTS, type TrainingMethod } from '../catalog/memory-estimate.js';
import type { CatalogModel, ModelCatalog, TaskType } from '../catalog/model-catalog.js';
import { parseGpuSpec, specPricePerHour, type GpuSpec } from '../gpu/gpu-spec.js';

export interface ValidationRequest {
  model: string;
  /** A GPU spec; the model's default when absent. */
  gpu?: string | undefined;
  task_type: TaskType;
  /** Tokens per sequence to size inference for; the catalog's `estimates.context_tokens` when absent. */
  context_tokens?: number | undefined;
}

/** What a training answer was sized for. */
export interface TrainingAssumptions {
  method: TrainingMethod;
  seq_len: number;
  batch: number;
}

/** The capabilities API's answer: a configuration that does not fit is `valid: false`, not an error. */
export interface ValidationReport {
  valid: boolean;
  errors: string[];
  suggestions: string[];
  gpu: string | null;
  model: string;
  task_type: TaskType;
  /** The context inference was checked at (as sent, or the default). */
  context_tokens: number;
  /** Longest context the spec holds by the estimate, capped at the model's maximum; `null` for training or when unknown. */
  max_context_tokens: number | null;
  memory: {
    required_gb: number | null;
    available_gb: number | null;
    per_gpu: { required_gb: number | null; available_gb: number | null };
  };
  /** Training answers only. */
  assumptions?: TrainingAssumptions;
}

const SUGGESTED = 3;
const NO_MEMORY = { required_gb: null, available_gb: null, per_gpu: { required_gb: null, available_gb: null } };

function priced(spec: GpuSpec): string {
  return `${spec.canonical} ($${specPricePerHour(spec).toFixed(2)}/h)`;
}

/** "for inference at 32768 tokens of context", or "for training". */
function describeTask(task: TaskType, contextTokens: number): string {
  return task === 'inference' ? `for inference at ${contextTokens} tokens of context` : `for ${task}`;
}

function suggestAllowed(model: CatalogModel, allowed: readonly GpuSpec[], task: TaskType, contextTokens: number): string[] {
  if (allowed.length === 0 && !model.facts) return [`${model.id} has no size facts: add models."${model.id}".facts or ${task}_gpus to the config.`];
  const need = describeTask(task, contextTokens);
  if (allowed.length === 0) return [`No GPU this gateway allows fits this model ${need}; add a larger spec to gpus.allowed in the config${task === 'inference' ? ', or ask for a shorter context_tokens' : ''}.`];
  const cheapest = allowed.slice(0, SUGGESTED).map(priced).join(', ');
  return [`Use ${allowed[0]?.canonical}, the cheapest GPU allowed ${need}. Cheapest options: ${cheapest}.`];
}

function similarIds(catalog: ModelCatalog, requested: string): string[] {
  const needle = requested.toLowerCase().split('/').pop() ?? '';
  const stem = needle.replace(/[-_.]?(instruct|chat|base)$/, '').slice(0, 8);
  if (!stem) return [];
  return catalog
    .list()
    .map((m) => m.id)
    .filter((id) => id.toLowerCase().includes(stem))
    .slice(0, SUGGESTED);
}

function unknownModel(catalog: ModelCatalog, request: ValidationRequest, contextTokens: number): ValidationReport {
  const similar = similarIds(catalog, request.model);
  return {
    valid: false,
    errors: [`Unknown model: ${request.model.slice(0, 120)}. The available ids are listed at GET /v1/capabilities/models.`],
    suggestions: similar.length ? [`Did you mean ${similar.join(', ')}?`] : [],
    gpu: request.gpu ?? null,
    model: request.model,
    task_type: request.task_type,
    context_tokens: contextTokens,
    max_context_tokens: null,
    memory: NO_MEMORY,
  };
}

/**
 * The spec's own limit, when a shorter context would make it valid: memory is the only
 * obstacle and the longest context that fits is below the one asked for.
 */
function shorterContext(catalog: ModelCatalog, model: CatalogModel, spec: GpuSpec, maxContext: number | null, contextTokens: number): string[] {
  if (maxContext === null || maxContext === 0 || maxContext >= contextTokens) return [];
  if (!catalog.fits(model, spec, 'inference', { contextTokens: maxContext }).fits) return [];
  return [`Or keep ${spec.canonical} with context_tokens of ${maxContext} or less.`];
}

/**
 * Pre-flights (model, gpu, task) without running anything (the spec's §3): the same
 * rules `selectGpu` applies to calls, reported rather than thrown, at the context asked for.
 */
export function validateConfiguration(catalog: ModelCatalog, request: ValidationRequest): ValidationReport {
  const contextTokens = request.context_tokens ?? catalog.contextTokens;
  const model: CatalogModel | undefined = catalog.resolve(request.model);
  if (!model) return unknownModel(catalog, request, contextTokens);
  const task = request.task_type;
  const allowed = catalog.allowedGpus(model, task, contextTokens);
  const base = {
    model: request.model,
    task_type: task,
    context_tokens: contextTokens,
    ...(task === 'training' && { assumptions: { method: catalog.trainingMethod, seq_len: TRAINING_DEFAULTS.seqLen, batch: TRAINING_DEFAULTS.batch } }),
  };
  const refuse = (errors: string[], gpu: string | null): ValidationReport => ({
    ...base,
    valid: false,
    errors,
    suggestions: suggestAllowed(model, allowed, task, contextTokens),
    gpu,
    max_context_tokens: null,
    memory: NO_MEMORY,
  });

  let spec: GpuSpec | undefined;
  if (request.gpu === undefined || request.gpu === '') {
    spec = allowed[0];
    if (!spec) return refuse([`No GPU this gateway allows can run ${model.id} ${describeTask(task, contextTokens)}.`], null);
  } else {
    const parsed = parseGpuSpec(request.gpu);
    if (!parsed.ok) return refuse([parsed.error.message], request.gpu);
    spec = parsed.spec;
  }

  const fit = catalog.fits(model, spec, task, { contextTokens });
  // The allowed list is the rule (config may override the estimate), the fit report the why.
  const valid = allowed.some((s) => s.canonical === spec.canonical);
  const reasons = fit.reasons.length ? [...fit.reasons] : [`${spec.canonical} is not allowed for ${model.id} ${task} by this gateway's configuration.`];
  const maxContext = task === 'inference' ? (catalog.maxContextTokens(model, spec) ?? null) : null;
  return {
    ...base,
    valid,
    errors: valid ? [] : reasons,
    suggestions: valid ? [] : [...suggestAllowed(model, allowed, task, contextTokens), ...shorterContext(catalog, model, spec, maxContext, contextTokens)],
    gpu: spec.canonical,
    max_context_tokens: maxContext,
    memory: {
      required_gb: fit.requiredGb ?? null,
      available_gb: fit.availableGb,
      per_gpu: { required_gb: fit.perGpu.requiredGb ?? null, available_gb: fit.perGpu.availableGb },
    },
  };
}
