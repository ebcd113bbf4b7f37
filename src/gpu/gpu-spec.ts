import { findGpuType, GPU_TYPE_NAMES, type GpuType } from './gpu-types.js';

/** GPUs per machine that serving engines and clouds offer. */
export const GPU_COUNTS = [1, 2, 4, 8] as const;
export type GpuCount = (typeof GPU_COUNTS)[number];

export interface GpuSpec {
  readonly type: GpuType;
  readonly count: GpuCount;
  /** Upper-case, `:N` only when N > 1: `h100:1` → `H100`, `l40s:2` → `L40S:2`. */
  readonly canonical: string;
}

export type GpuSpecErrorKind = 'unknown_type' | 'bad_count' | 'junk';

export interface GpuSpecError {
  readonly kind: GpuSpecErrorKind;
  readonly input: string;
  readonly message: string;
}

export type GpuSpecResult = { ok: true; spec: GpuSpec } | { ok: false; error: GpuSpecError };

// Grammar (ARCHITECTURE.md "Contracts"): TYPE[:N], TYPE = letters, digits and '-'.
const SPEC_PATTERN = /^([A-Za-z0-9][A-Za-z0-9-]{0,31})(?::([0-9]{1,3}))?$/;
const MAX_ECHO = 40;

function echo(input: string): string {
  return input.length > MAX_ECHO ? `${input.slice(0, MAX_ECHO)}…` : input;
}

function fail(kind: GpuSpecErrorKind, input: string, message: string): GpuSpecResult {
  return { ok: false, error: { kind, input, message } };
}

export function formatGpuSpec(type: GpuType, count: GpuCount): string {
  return count === 1 ? type.name : `${type.name}:${count}`;
}

/** Parses `TYPE[:N]`; never throws. Errors say what the grammar allows. */
export function parseGpuSpec(input: string): GpuSpecResult {
  const match = SPEC_PATTERN.exec(input);
  if (!match) {
    return fail('junk', input, `GPU spec is not of the form TYPE[:N]: "${echo(input)}". Examples: L40S, H100:2. Types: ${GPU_TYPE_NAMES.join(', ')}`);
  }
  const [, typeName = '', countText] = match;
  const type = findGpuType(typeName);
  if (!type) {
    return fail('unknown_type', input, `Unknown GPU type: ${echo(typeName)}. Known types: ${GPU_TYPE_NAMES.join(', ')}`);
  }
  const count = countText === undefined ? 1 : Number(countText);
  if (!(GPU_COUNTS as readonly number[]).includes(count)) {
    return fail('bad_count', input, `GPU count must be 1, 2, 4 or 8, got ${countText} in "${echo(input)}"`);
  }
  if (count > type.maxPerMachine) {
    return fail('bad_count', input, `${type.name} machines hold at most ${type.maxPerMachine} GPUs, got ${count}`);
  }
  const gpuCount = count as GpuCount;
  return { ok: true, spec: { type, count: gpuCount, canonical: formatGpuSpec(type, gpuCount) } };
}

/** Memory across all GPUs of the spec, GB. */
export function specMemoryGb(spec: GpuSpec): number {
  return spec.type.memoryGb * spec.count;
}

/** List price of the whole spec, USD per hour. */
export function specPricePerHour(spec: GpuSpec): number {
  return Math.round(spec.type.pricePerHour * spec.count * 100) / 100;
}
