import type { Device } from './discover-devices.js';
import { describeDevices } from './device-inventory.js';

/** Devices handed to one holder; give them back once its process has ended. */
export interface DeviceSet {
  readonly devices: readonly Device[];
  release(): void;
}

/**
 * Which pool holds which device. A device belongs to at most one holder, so two live
 * workers never share a card. On a host without devices every request is granted an
 * empty set: specs are simulated on the CPU.
 */
export class DeviceAllocator {
  readonly devices: readonly Device[];
  readonly #holders = new Map<number, string>();

  constructor(devices: readonly Device[]) {
    this.devices = devices;
  }

  get gpuHost(): boolean {
    return this.devices.length > 0;
  }

  /** Whether this host has `count` devices of `type` at all, held or not. */
  canHost(type: string, count: number): boolean {
    return !this.gpuHost || this.#ofType(type).length >= count;
  }

  /** Free devices of `type`. */
  free(type: string): number {
    return this.#ofType(type).filter((d) => !this.#holders.has(d.index)).length;
  }

  /** `count` free devices of `type` for `holder`, or undefined when too few are free. */
  take(type: string, count: number, holder: string): DeviceSet | undefined {
    if (!this.gpuHost) return { devices: [], release: () => undefined };
    const free = this.#ofType(type).filter((d) => !this.#holders.has(d.index)).slice(0, count);
    if (free.length < count) return undefined;
    for (const d of free) this.#holders.set(d.index, holder);
    let released = false;
    return {
      devices: free,
      release: () => {
        if (released) return;
        released = true;
        for (const d of free) this.#holders.delete(d.index);
      },
    };
  }

  /** The pool holding a device, or null. */
  holder(index: number): string | null {
    return this.#holders.get(index) ?? null;
  }

  /** "this host has 4 × H100, 2 × L40S" */
  describe(): string {
    return this.gpuHost ? `this host has ${describeDevices(this.devices)}` : 'this host has no GPU';
  }

  #ofType(type: string): Device[] {
    return this.devices.filter((d) => d.type === type);
  }
}
