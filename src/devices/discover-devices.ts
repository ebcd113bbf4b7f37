import { execFile } from 'node:child_process';
import { catalogTypeOf } from '../gpu/product-names.js';

/** One NVIDIA device as nvidia-smi lists it. */
export interface Device {
  /** nvidia-smi's index: what CUDA_VISIBLE_DEVICES names. */
  readonly index: number;
  readonly uuid: string;
  /** Product name, e.g. "NVIDIA H100 80GB HBM3". */
  readonly name: string;
  /** Catalog type, e.g. "H100"; null for a card the catalog has no figures for. */
  readonly type: string | null;
  /** memory.total as the card reports it, MiB. */
  readonly memoryMiB: number;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits'] as const;
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

export interface Discovery {
  devices: Device[];
  /** Why the host counts as having no GPU, when it does: for the start-up log. */
  cpuReason?: string;
}

/** Parses nvidia-smi's CSV rows; a row that does not parse is skipped. */
export function parseNvidiaSmi(csv: string): Device[] {
  const devices: Device[] = [];
  for (const line of csv.split('\n')) {
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== 4) continue;
    const [index, uuid, name, memory] = cells as [string, string, string, string];
    if (!/^\d+$/.test(index) || !/^\d+$/.test(memory)) continue;
    devices.push({ index: Number(index), uuid, name, type: catalogTypeOf(name), memoryMiB: Number(memory) });
  }
  return devices;
}

/** What the `nvidia-smi` on PATH prints for `args`; rejects with why it could not answer. */
export function nvidiaSmi(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nvidia-smi', [...args], { timeout: NVIDIA_SMI_TIMEOUT_MS, env, encoding: 'utf8' }, (error, stdout) => {
      if (!error) resolve(stdout);
      else reject(new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no nvidia-smi on PATH' : `nvidia-smi failed: ${error.message.split('\n')[0]}`));
    });
  });
}

/**
 * The NVIDIA devices of this host, from the `nvidia-smi` on PATH. No binary, a non-zero
 * exit, a time-out or no rows all mean a host without GPUs: never an error.
 */
export async function discoverDevices(env: NodeJS.ProcessEnv = process.env): Promise<Discovery> {
  let csv: string;
  try {
    csv = await nvidiaSmi(NVIDIA_SMI_ARGS, env);
  } catch (error) {
    return { devices: [], cpuReason: (error as Error).message };
  }
  const devices = parseNvidiaSmi(csv);
  return devices.length ? { devices } : { devices, cpuReason: 'nvidia-smi listed no devices' };
}
