/**
 * Public figures per GPU type. Sources (also in ../shared/facts/gpus.md):
 * memory, bandwidth and dense bf16 TFLOPS from NVIDIA's datasheets (A10 for the A10G,
 * whose bf16 figure AWS does not publish; L4; L40S; A100 SXM; H100 SXM; H200 SXM; HGX B200)
 * and the AWS/NVIDIA A10 datasheet; hourly prices are serverless list prices from
 * Modal's pricing page (2025–26). Figures marked `priceConfirmed: false` are estimates
 * that the facts file flags as unconfirmed.
 */
export interface GpuType {
  /** Canonical upper-case name, as used in specs. */
  readonly name: string;
  /** Usable memory per GPU, GB (B200: 192 nominal, ~180 usable). */
  readonly memoryGb: number;
  readonly bandwidthGbps: number;
  readonly bf16Tflops: number;
  /** List price for one GPU, USD per hour. */
  readonly pricePerHour: number;
  readonly priceConfirmed: boolean;
  /** Most GPUs of this type on one machine. */
  readonly maxPerMachine: 1 | 2 | 4 | 8;
}

export const GPU_TYPES: readonly GpuType[] = [
  { name: 'A10G', memoryGb: 24, bandwidthGbps: 600, bf16Tflops: 125, pricePerHour: 1.1, priceConfirmed: false, maxPerMachine: 4 },
  { name: 'L4', memoryGb: 24, bandwidthGbps: 300, bf16Tflops: 121, pricePerHour: 0.8, priceConfirmed: true, maxPerMachine: 8 },
  { name: 'L40S', memoryGb: 48, bandwidthGbps: 864, bf16Tflops: 362, pricePerHour: 1.95, priceConfirmed: true, maxPerMachine: 8 },
  { name: 'A100', memoryGb: 40, bandwidthGbps: 1555, bf16Tflops: 312, pricePerHour: 2.1, priceConfirmed: false, maxPerMachine: 8 },
  { name: 'A100-80GB', memoryGb: 80, bandwidthGbps: 2039, bf16Tflops: 312, pricePerHour: 2.5, priceConfirmed: true, maxPerMachine: 8 },
  { name: 'H100', memoryGb: 80, bandwidthGbps: 3350, bf16Tflops: 989, pricePerHour: 3.95, priceConfirmed: true, maxPerMachine: 8 },
  { name: 'H200', memoryGb: 141, bandwidthGbps: 4800, bf16Tflops: 989, pricePerHour: 4.54, priceConfirmed: false, maxPerMachine: 8 },
  { name: 'B200', memoryGb: 180, bandwidthGbps: 8000, bf16Tflops: 2250, pricePerHour: 6.25, priceConfirmed: true, maxPerMachine: 8 },
];

const BY_NAME = new Map(GPU_TYPES.map((t) => [t.name, t]));

/** Case-insensitive lookup; `undefined` for a type we do not know. */
export function findGpuType(name: string): GpuType | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export const GPU_TYPE_NAMES: readonly string[] = GPU_TYPES.map((t) => t.name);
