import { GatewayError } from '../errors/gateway-error.js';
import { parseGpuSpec, specPricePerHour, type GpuSpec } from '../gpu/gpu-spec.js';
import type { CatalogModel, ModelCatalog } from '../catalog/model-catalog.js';

/** Where the chosen GPU came from, strongest first. */
export type GpuSource = 'body' | 'query' | 'header' | 'warm' | 'default';

export interface GpuChoice {
  spec: GpuSpec;
  source: GpuSource;
}

/**
 * What the caller asked for. Precedence (ARCHITECTURE.md "Contracts"): body
 * `gpu_preference` > query `gpu` (warm-up only) > header `X-GPU-Preference`; with none,
 * a GPU on which the model is already warm, else the model's default.
 */
export interface GpuPreferences {
  body?: unknown;
  query?: unknown;
  header?: string | undefined;
  /** Canonical specs on which the model is warm now (the cheapest wins); asked only when nothing was named. */
  warm?: () => readonly string[];
}

const PARAM: Record<'body' | 'query' | 'header', string> = {
  body: 'gpu_preference',
  query: 'gpu',
  header: 'X-GPU-Preference',
};

function given(value: unknown, source: 'body' | 'query' | 'header'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new GatewayError('invalid_request', `${PARAM[source]} must be a string GPU spec such as "L40S" or "H100:2", got ${Array.isArray(value) ? 'array' : typeof value}`, PARAM[source]);
  }
  return value;
}

export function describeSpecs(specs: readonly GpuSpec[]): string {
  return specs.map((s) => s.canonical).join(', ');
}

function cheapestHint(model: CatalogModel): string {
  const cheapest = model.inferenceGpus[0];
  return cheapest ? ` Cheapest: ${cheapest.canonical} ($${specPricePerHour(cheapest).toFixed(2)}/h).` : '';
}

/** What validate calls max_context_tokens, when memory is what a shorter context would fix. */
function longestContext(catalog: ModelCatalog, model: CatalogModel, spec: GpuSpec): string {
  const longest = catalog.maxContextTokens(model, spec);
  if (longest === undefined || longest >= catalog.contextTokens) return '';
  return longest === 0 ? ` ${spec.canonical} cannot hold its weights at any context.` : ` ${spec.canonical} holds at most ${longest} tokens of context.`;
}

/** Parses and checks one requested spec against the model's inference GPUs. */
export function checkRequestedGpu(catalog: ModelCatalog, model: CatalogModel, text: string, param: string): GpuSpec {
  const parsed = parseGpuSpec(text);
  if (!parsed.ok) {
    throw new GatewayError('invalid_gpu_spec', `${parsed.error.message}. Supported for ${model.id}: ${describeSpecs(model.inferenceGpus)}.${cheapestHint(model)}`, param);
  }
  const spec = parsed.spec;
  if (!model.inferenceGpus.some((s) => s.canonical === spec.canonical)) {
    const why = catalog.fits(model, spec, 'inference').reasons.join('; ');
    const supported = model.inferenceGpus.length ? `Supported at ${catalog.contextTokens} tokens of context, cheapest first: ${describeSpecs(model.inferenceGpus)}.` : 'No GPU this gateway allows can serve it.';
    throw new GatewayError('unsupported_gpu', `GPU type not supported for this model (${model.id}): ${spec.canonical}${why ? ` (${why})` : ''}.${longestContext(catalog, model, spec)} ${supported}${cheapestHint(model)}`, param);
  }
  return spec;
}

/** The GPU this call runs on; throws a 400 GatewayError naming what is allowed. */
export function selectGpu(catalog: ModelCatalog, model: CatalogModel, prefs: GpuPreferences): GpuChoice {
  for (const source of ['body', 'query', 'header'] as const) {
    const text = given(prefs[source], source);
    if (text !== undefined) return { spec: checkRequestedGpu(catalog, model, text, PARAM[source]), source };
  }
  const warmGpus = prefs.warm?.() ?? [];
  const warm = warmGpus.length ? model.inferenceGpus.find((s) => warmGpus.includes(s.canonical)) : undefined;
  if (warm) return { spec: warm, source: 'warm' };
  if (!model.defaultGpu) {
    throw new GatewayError('unsupported_gpu', `No GPU this gateway allows can serve ${model.id}. Add a larger GPU spec to gpus.allowed, or set models."${model.id}".inference_gpus in the config.`, 'model');
  }
  return { spec: model.defaultGpu, source: 'default' };
}
