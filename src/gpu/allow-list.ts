import { GPU_COUNTS, formatGpuSpec, parseGpuSpec, specPricePerHour, type GpuSpec } from './gpu-spec.js';
import { GPU_TYPES } from './gpu-types.js';

/**
 * The default allow-list (the spec's `gpu_config.ALLOWED_GPUS`): every type at 1, 2, 4
 * and 8 GPUs, within its per-machine maximum (A10G: 4).
 */
export const DEFAULT_ALLOWED_GPUS: readonly GpuSpec[] = GPU_TYPES.flatMap((type) =>
  GPU_COUNTS.filter((count) => count <= type.maxPerMachine).map((count) => ({
    type,
    count,
    canonical: formatGpuSpec(type, count),
  })),
);

/**
 * The allow-list in force: the default, or the subset config names.
 * Throws on a spec that does not parse: config is checked at start-up, not per request.
 */
export function buildAllowList(configured?: readonly string[]): readonly GpuSpec[] {
  if (!configured) return DEFAULT_ALLOWED_GPUS;
  return configured.map((text) => {
    const result = parseGpuSpec(text);
    if (!result.ok) throw new Error(result.error.message);
    return result.spec;
  });
}

/** Cheapest first; ties go to fewer GPUs, then to more memory. */
export function byPrice(a: GpuSpec, b: GpuSpec): number {
  return specPricePerHour(a) - specPricePerHour(b) || a.count - b.count || b.type.memoryGb - a.type.memoryGb;
}
