import { ConfigError } from '../config/load-config.js';
import type { Device, Discovery } from './discover-devices.js';

/** `gpus.devices`: which devices to use and as what type, or "none" for the CPU mode. */
export type DeviceOverride = 'none' | ReadonlyArray<{ readonly index: number; readonly type: string }>;

/**
 * The devices the gateway may hand out: what nvidia-smi found, or the subset and types
 * that `gpus.devices` names. An index nvidia-smi does not list is a config error, since
 * a worker told to use it would silently run elsewhere.
 */
export function applyDeviceOverride(discovery: Discovery, override: DeviceOverride | undefined): Discovery {
  if (override === undefined) return discovery;
  if (override === 'none') return { devices: [], cpuReason: 'gpus.devices is "none"' };
  const byIndex = new Map(discovery.devices.map((d) => [d.index, d]));
  const devices: Device[] = override.map(({ index, type }) => {
    const found = byIndex.get(index);
    if (!found) {
      const listed = discovery.devices.length ? `nvidia-smi lists ${discovery.devices.map((d) => d.index).join(', ')}` : `nvidia-smi lists no devices (${discovery.cpuReason})`;
      throw new ConfigError(`gpus.devices: there is no device ${index} on this host; ${listed}. Remove it, or set gpus.devices: none to run on the CPU.`);
    }
    return { ...found, type };
  });
  return devices.length ? { devices } : { devices, cpuReason: 'gpus.devices is empty' };
}

/** "4 × H100, 2 × L40S" (unknown cards by their product name). */
export function describeDevices(devices: readonly Device[]): string {
  const counts = new Map<string, number>();
  for (const d of devices) counts.set(d.type ?? d.name, (counts.get(d.type ?? d.name) ?? 0) + 1);
  return [...counts].map(([type, n]) => `${n} × ${type}`).join(', ');
}
