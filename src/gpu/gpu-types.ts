/**
 * Public figures per GPU type. Sources (also in ../shared/facts/gpus.md): bandwidth and
 * dense bf16 TFLOPS from NVIDIA's datasheets (A10 for the A10G, whose bf16 figure AWS
 * does not publish; L4; L40S; A100 SXM; H100 SXM; H200 SXM; HGX B200); hourly prices are
 * serverless list prices from Modal's pricing page (2025–26). Figures marked
 * `priceConfirmed: false` are estimates that the facts file flags as unconfirmed.
 *
 * Memory is what `nvidia-smi --query-gpu=memory.total` prints for an idle card, in MiB,
 * not the datasheet's round gigabytes: an H100 80GB reports 81,559 MiB (85.5 GB), a
 * B200 "192 GB" 183,359 MiB. Placement compares against this figure × the engine's
 * share (`gpus.memory_utilization`), the way vLLM sizes itself from the card.
 */
export interface GpuType {
  /** Canonical upper-case name, as used in specs. */
  readonly name: string;
  /** memory.total as nvidia-smi prints it on an idle card, MiB. */
  readonly memoryMib: number;
  /** Where {@link memoryMib} was read. */
  readonly memorySource: string;
  /** {@link memoryMib} in GB (1e9 bytes), rounded to 0.01 for display; comparisons use the MiB. */
  readonly memoryGb: number;
  readonly bandwidthGbps: number;
  readonly bf16Tflops: number;
  /** List price for one GPU, USD per hour. */
  readonly pricePerHour: number;
  readonly priceConfirmed: boolean;
  /** Most GPUs of this type on one machine. */
  readonly maxPerMachine: 1 | 2 | 4 | 8;
}

export const BYTES_PER_MIB = 2 ** 20;

function gpu(type: Omit<GpuType, 'memoryGb'>): GpuType {
  return { ...type, memoryGb: Math.round((type.memoryMib * BYTES_PER_MIB) / 1e7) / 100 };
}

// The MiB figures are the nvidia-smi tables that users of each card post (idle card,
// "0MiB / <total>MiB"): AWS g5 (A10G), GCP g2 (L4), L40S, A100-SXM4-40GB (Colab),
// A100-SXM4-80GB, "H100 80GB HBM3", H200 and B200 machines, drivers 535–580.
export const GPU_TYPES: readonly GpuType[] = [
  gpu({ name: 'A10G', memoryMib: 23_028, memorySource: 'nvidia-smi on AWS g5 (NVIDIA A10G)', bandwidthGbps: 600, bf16Tflops: 125, pricePerHour: 1.1, priceConfirmed: false, maxPerMachine: 4 }),
  gpu({ name: 'L4', memoryMib: 23_034, memorySource: 'nvidia-smi on GCP g2 (NVIDIA L4)', bandwidthGbps: 300, bf16Tflops: 121, pricePerHour: 0.8, priceConfirmed: true, maxPerMachine: 8 }),
  gpu({ name: 'L40S', memoryMib: 46_068, memorySource: 'nvidia-smi (NVIDIA L40S)', bandwidthGbps: 864, bf16Tflops: 362, pricePerHour: 1.95, priceConfirmed: true, maxPerMachine: 8 }),
  gpu({ name: 'A100', memoryMib: 40_960, memorySource: 'nvidia-smi (NVIDIA A100-SXM4-40GB)', bandwidthGbps: 1555, bf16Tflops: 312, pricePerHour: 2.1, priceConfirmed: false, maxPerMachine: 8 }),
  gpu({ name: 'A100-80GB', memoryMib: 81_920, memorySource: 'nvidia-smi (NVIDIA A100-SXM4-80GB)', bandwidthGbps: 2039, bf16Tflops: 312, pricePerHour: 2.5, priceConfirmed: true, maxPerMachine: 8 }),
  gpu({ name: 'H100', memoryMib: 81_559, memorySource: 'nvidia-smi (NVIDIA H100 80GB HBM3)', bandwidthGbps: 3350, bf16Tflops: 989, pricePerHour: 3.95, priceConfirmed: true, maxPerMachine: 8 }),
  gpu({ name: 'H200', memoryMib: 143_771, memorySource: 'nvidia-smi (NVIDIA H200)', bandwidthGbps: 4800, bf16Tflops: 989, pricePerHour: 4.54, priceConfirmed: false, maxPerMachine: 8 }),
  gpu({ name: 'B200', memoryMib: 183_359, memorySource: 'nvidia-smi (NVIDIA B200, driver 570)', bandwidthGbps: 8000, bf16Tflops: 2250, pricePerHour: 6.25, priceConfirmed: true, maxPerMachine: 8 }),
];

const BY_NAME = new Map(GPU_TYPES.map((t) => [t.name, t]));

/** Case-insensitive lookup; `undefined` for a type we do not know. */
export function findGpuType(name: string): GpuType | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export const GPU_TYPE_NAMES: readonly string[] = GPU_TYPES.map((t) => t.name);
