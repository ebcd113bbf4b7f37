/**
 * nvidia-smi's product names (`--query-gpu=name`) → catalog GPU types. Matched on the
 * whole name, case-insensitively, after trimming. Variants map to the catalog type whose
 * figures they share; where a variant has more memory than the catalog type (H100 NVL:
 * 94 GB, H200 NVL: 141 GB), placement still reads each card's own memory.total.
 * Names as nvidia-smi prints them, from NVIDIA's driver product lists and cloud instance
 * documentation (AWS g5, g6, g6e, p4d/p4de, p5, p5e, p6).
 */
const PRODUCT_NAMES: Readonly<Record<string, string | null>> = {
  'NVIDIA A10G': 'A10G',
  'NVIDIA L4': 'L4',
  'NVIDIA L40S': 'L40S',
  'NVIDIA A100-SXM4-40GB': 'A100',
  'NVIDIA A100-PCIE-40GB': 'A100',
  'NVIDIA A100 40GB PCIe': 'A100',
  'NVIDIA A100-SXM4-80GB': 'A100-80GB',
  'NVIDIA A100-PCIE-80GB': 'A100-80GB',
  'NVIDIA A100 80GB PCIe': 'A100-80GB',
  'NVIDIA H100 80GB HBM3': 'H100',
  'NVIDIA H100 PCIe': 'H100',
  'NVIDIA H100 NVL': 'H100',
  'NVIDIA H100': 'H100',
  'NVIDIA H200': 'H200',
  'NVIDIA H200 NVL': 'H200',
  'NVIDIA B200': 'B200',
  // Common cards the catalog has no figures for: listed, so the log can say what they are.
  'Tesla T4': null,
  'NVIDIA A10': null,
  'NVIDIA L40': null,
  'Tesla V100-SXM2-16GB': null,
  'Tesla V100-SXM2-32GB': null,
};

const BY_NAME = new Map(Object.entries(PRODUCT_NAMES).map(([name, type]) => [name.toLowerCase(), type]));

/** The catalog type of a product name, or null for a card the catalog has no figures for. */
export function catalogTypeOf(productName: string): string | null {
  return BY_NAME.get(productName.trim().toLowerCase()) ?? null;
}

/** Every product name in the table and its type, for tests and docs. */
export const KNOWN_PRODUCT_NAMES: ReadonlyArray<readonly [string, string | null]> = Object.entries(PRODUCT_NAMES);
