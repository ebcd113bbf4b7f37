import { DeviceAllocator } from '../devices/device-allocator.js';
import type { Device } from '../devices/discover-devices.js';
import { WaitingLine } from '../devices/waiting-line.js';
import { GatewayError } from '../errors/gateway-error.js';
import { parseGpuSpec } from '../gpu/gpu-spec.js';

/** A local worker's right to run: one of workers.max_live, and its devices (none on a CPU host). */
export interface WorkerSlot {
  readonly devices: readonly Device[];
  /** Called once the worker process has ended. */
  release(): void;
}

/** What admission needs to know of a local pool on this replica. */
export interface AdmittedPool {
  readonly model: string;
  readonly gpu: string;
  readonly state: string;
  readonly inFlight: number;
  readonly lastUsed: number | null;
  /** The devices of the slot it holds; undefined when it holds none. */
  readonly devices: readonly Device[] | undefined;
  stop(): Promise<void>;
}

export interface AdmissionOptions {
  allocator: DeviceAllocator;
  /** workers.max_live */
  maxLive: number;
  /** workers.queue_timeout_ms */
  queueTimeoutMs: number;
  /** workers.max_queue */
  maxQueue: number;
  /** This replica's local pools, the candidates for eviction. */
  pools(): Iterable<AdmittedPool>;
  onWaited?(seconds: number): void;
}

const RETRY_AFTER_S = 5;

/**
 * Who may start a local worker. A start needs a worker slot and, on a GPU host, N free
 * devices of the spec's type. When either is short the least recently used idle pool
 * that would free what is missing is stopped; when none is idle the start waits in a
 * first-come line until a worker ends or goes idle.
 */
export class WorkerAdmission {
  readonly allocator: DeviceAllocator;
  readonly #options: AdmissionOptions;
  readonly #line: WaitingLine<WorkerSlot>;
  /** Pools being stopped to make room: what they hold counts as free soon. */
  readonly #evicting = new Set<AdmittedPool>();
  #slots = 0;

  constructor(options: AdmissionOptions) {
    this.allocator = options.allocator;
    this.#options = options;
    this.#line = new WaitingLine({
      timeoutMs: options.queueTimeoutMs,
      maxWaiting: options.maxQueue,
      full: () => this.#noCapacity(`${options.maxQueue} starts are already waiting (workers.max_queue)`),
      timedOut: () => this.#noCapacity(`no worker slot or device came free within ${options.queueTimeoutMs} ms (workers.queue_timeout_ms)`),
      ...(options.onWaited && { onWaited: options.onWaited }),
    });
  }

  /** Starts waiting in line now. */
  get waiting(): number {
    return this.#line.depth;
  }

  /** Whether this host could ever run the spec: always on a CPU host, where specs are simulated. */
  canHost(gpu: string): boolean {
    // Asked on every call routed to a local entry: a CPU host need not parse the spec.
    if (!this.allocator.gpuHost) return true;
    const { type, count } = typeAndCount(gpu);
    return this.allocator.canHost(type, count);
  }

  /** A slot for `pool`, now or after waiting in line; `leave` takes it out of the line. */
  admit(pool: AdmittedPool, leave?: AbortSignal): Promise<WorkerSlot> {
    const { type, count } = typeAndCount(pool.gpu);
    return this.#line.join(() => this.#attempt(pool, type, count), leave);
  }

  /** A worker ended or went idle: waiters may go now. */
  wake(): void {
    this.#line.wake();
  }

  #attempt(pool: AdmittedPool, type: string, count: number): WorkerSlot | undefined {
    const slotFree = this.#slots < this.#options.maxLive;
    const devices = slotFree ? this.allocator.take(type, count, `${pool.model}@${pool.gpu}`) : undefined;
    if (devices) {
      this.#slots++;
      let released = false;
      return {
        devices: devices.devices,
        release: () => {
          if (released) return;
          released = true;
          devices.release();
          this.#slots--;
          queueMicrotask(() => this.wake());
        },
      };
    }
    this.#evictFor(type, count);
    return undefined;
  }

  /** Stops idle pools, least recently used first, until what they free covers the start. */
  #evictFor(type: string, count: number): void {
    const gpuHost = this.allocator.gpuHost;
    let slotsSoon = this.#options.maxLive - this.#slots + this.#evicting.size;
    let devicesSoon = this.allocator.free(type) + [...this.#evicting].reduce((n, p) => n + ofType(p, type), 0);
    const idle = [...this.#options.pools()]
      .filter((p) => p.devices !== undefined && p.state === 'warmed' && p.inFlight === 0 && !this.#evicting.has(p))
      .sort((a, b) => (a.lastUsed ?? 0) - (b.lastUsed ?? 0));
    for (const victim of idle) {
      const needDevices = gpuHost && devicesSoon < count;
      if (slotsSoon > 0 && !needDevices) return;
      const frees = ofType(victim, type);
      if (needDevices && frees === 0) continue;
      this.#evicting.add(victim);
      slotsSoon++;
      devicesSoon += frees;
      void victim
        .stop()
        .catch(() => undefined)
        .finally(() => {
          this.#evicting.delete(victim);
          this.wake();
        });
    }
  }

  #noCapacity(why: string): GatewayError {
    return new GatewayError('no_capacity', `No capacity to start a local worker: ${why}; ${this.allocator.describe()}. Retry after ${RETRY_AFTER_S} s, or raise workers.max_live.`, null, { retryAfterS: RETRY_AFTER_S });
  }
}

function ofType(pool: AdmittedPool, type: string): number {
  return pool.devices?.filter((d) => d.type === type).length ?? 0;
}

/** Pools are keyed by canonical specs that config or routing already checked. */
function typeAndCount(gpu: string): { type: string; count: number } {
  const parsed = parseGpuSpec(gpu);
  if (!parsed.ok) throw new Error(`pool GPU ${gpu} is not a canonical spec: ${parsed.error.message}`);
  return { type: parsed.spec.type.name, count: parsed.spec.count };
}
