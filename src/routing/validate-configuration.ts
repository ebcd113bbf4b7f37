import type { CatalogModel, ModelCatalog, TaskType } from '../catalog/model-catalog.js';
import { parseGpuSpec, specPricePerHour, type GpuSpec } from '../gpu/gpu-spec.js';

export interface ValidationRequest {
  model: string;
  /** A GPU spec; the model's default when absent. */
  gpu?: string | undefined;
  task_type: TaskType;
}

/** The capabilities API's answer: a configuration that does not fit is `valid: false`, not an error. */
export interface ValidationReport {
  valid: boolean;
  errors: string[];
  suggestions: string[];
  gpu: string | null;
  model: string;
  task_type: TaskType;
  memory: { required_gb: number | null; available_gb: number | null };
}

const SUGGESTED = 3;

function priced(spec: GpuSpec): string {
  return `${spec.canonical} ($${specPricePerHour(spec).toFixed(2)}/h)`;
}

function suggestAllowed(model: CatalogModel, allowed: readonly GpuSpec[], task: TaskType): string[] {
  if (allowed.length === 0 && !model.facts) return [`${model.id} has no size facts: add models."${model.id}".facts or ${task}_gpus to the config.`];
  if (allowed.length === 0) return [`No GPU this gateway allows fits this model for ${task}; add a larger spec to gpus.allowed in the config.`];
  const cheapest = allowed.slice(0, SUGGESTED).map(priced).join(', ');
  return [`Use ${allowed[0]?.canonical}, the cheapest GPU allowed for ${task}. Cheapest options: ${cheapest}.`];
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

function unknownModel(catalog: ModelCatalog, request: ValidationRequest): ValidationReport {
  const similar = similarIds(catalog, request.model);
  return {
    valid: false,
    errors: [`Unknown model: ${request.model.slice(0, 120)}. The available ids are listed at GET /v1/capabilities/models.`],
    suggestions: similar.length ? [`Did you mean ${similar.join(', ')}?`] : [],
    gpu: request.gpu ?? null,
    model: request.model,
    task_type: request.task_type,
    memory: { required_gb: null, available_gb: null },
  };
}

/**
 * Pre-flights (model, gpu, task) without running anything (the spec's §3): the same
 * rules `selectGpu` applies to calls, reported rather than thrown.
 */
export function validateConfiguration(catalog: ModelCatalog, request: ValidationRequest): ValidationReport {
  const model: CatalogModel | undefined = catalog.resolve(request.model);
  if (!model) return unknownModel(catalog, request);
  const task = request.task_type;
  const allowed = catalog.allowedGpus(model, task);
  const base = { model: request.model, task_type: task };

  let spec: GpuSpec | undefined;
  if (request.gpu === undefined || request.gpu === '') {
    spec = allowed[0];
    if (!spec) {
      return { ...base, valid: false, errors: [`No GPU this gateway allows can run ${model.id} for ${task}.`], suggestions: suggestAllowed(model, allowed, task), gpu: null, memory: { required_gb: null, available_gb: null } };
    }
  } else {
    const parsed = parseGpuSpec(request.gpu);
    if (!parsed.ok) {
      return { ...base, valid: false, errors: [parsed.error.message], suggestions: suggestAllowed(model, allowed, task), gpu: request.gpu, memory: { required_gb: null, available_gb: null } };
    }
    spec = parsed.spec;
  }

  const fit = catalog.fits(model, spec, task);
  // The allowed list is the rule (config may override the estimate), the fit report the why.
  const valid = allowed.some((s) => s.canonical === spec.canonical);
  const reasons = fit.reasons.length ? [...fit.reasons] : [`${spec.canonical} is not allowed for ${model.id} ${task} by this gateway's configuration.`];
  const errors = valid ? [] : reasons;
  return {
    ...base,
    valid,
    errors,
    suggestions: valid ? [] : suggestAllowed(model, allowed, task),
    gpu: spec.canonical,
    memory: { required_gb: fit.requiredGb ?? null, available_gb: fit.availableGb },
  };
}
