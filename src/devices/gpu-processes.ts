import { nvidiaSmi } from './discover-devices.js';

/** One process using a GPU, as the driver reports it. */
export interface GpuProcess {
  pid: number;
  /** The card's UUID, as in Device.uuid. */
  gpuUuid: string;
  /** Memory it holds on that card; null where the driver does not say ("[N/A]"). */
  usedMiB: number | null;
}

const COMPUTE_APPS_ARGS = ['--query-compute-apps=pid,gpu_uuid,used_memory', '--format=csv,noheader,nounits'] as const;

/** Parses the CSV of `nvidia-smi --query-compute-apps`; rows that do not parse are skipped. */
export function parseComputeApps(csv: string): GpuProcess[] {
  const found: GpuProcess[] = [];
  for (const line of csv.split('\n')) {
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== 3 || !/^\d+$/.test(cells[0]!) || !cells[1]) continue;
    found.push({ pid: Number(cells[0]), gpuUuid: cells[1], usedMiB: /^\d+$/.test(cells[2]!) ? Number(cells[2]) : null });
  }
  return found;
}

/**
 * The processes running on this host's GPUs, from the `nvidia-smi` on PATH: the driver's
 * own word on which card a process uses. Rejects when nvidia-smi cannot answer.
 */
export async function gpuProcesses(env: NodeJS.ProcessEnv = process.env): Promise<GpuProcess[]> {
  return parseComputeApps(await nvidiaSmi(COMPUTE_APPS_ARGS, env));
}
