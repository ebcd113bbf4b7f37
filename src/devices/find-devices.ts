import type { Logger } from 'pino';
import { DeviceAllocator } from './device-allocator.js';
import { applyDeviceOverride, describeDevices, type DeviceOverride } from './device-inventory.js';
import { discoverDevices } from './discover-devices.js';

/**
 * The host's devices at start-up, `gpus.devices` applied, said once in the log: on a
 * host without GPUs, that specs are simulated; cards the catalog has no type for, by name.
 */
export async function findDevices(override: DeviceOverride | undefined, env: NodeJS.ProcessEnv, logger?: Logger): Promise<DeviceAllocator> {
  // "none" must not run nvidia-smi at all: it is how a broken driver is worked around.
  const discovery = override === 'none' ? { devices: [] } : await discoverDevices(env);
  const { devices, cpuReason } = applyDeviceOverride(discovery, override);
  if (!devices.length) {
    logger?.info({ device: 'cpu', reason: cpuReason }, `no GPU to hand out (${cpuReason}): every GPU spec is simulated on the CPU`);
  } else {
    logger?.info({ devices: devices.map((d) => ({ index: d.index, name: d.name, type: d.type, memory_mib: d.memoryMiB })) }, `GPUs found: ${describeDevices(devices)}`);
    for (const d of devices.filter((x) => x.type === null)) {
      logger?.warn({ index: d.index, name: d.name }, `GPU ${d.index} (${d.name}) is not a catalog type: no pool will use it; name its type in gpus.devices to use it`);
    }
  }
  return new DeviceAllocator(devices);
}
