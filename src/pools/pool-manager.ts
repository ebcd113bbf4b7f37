import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config-schema.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { PoolKey, PoolRecord, PoolSnapshot, PoolStateStore } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { EndpointOptions } from '../upstream/endpoint.js';
import { BorrowedEndpointGroup } from './borrowed-endpoint-group.js';
import { DeviceAllocator } from '../devices/device-allocator.js';
import type { AnySignal } from '../upstream/upstream-signal.js';
import { Pool } from './pool.js';
import { answerLimits, PoolEntries, type PoolEntry } from './pool-entries.js';
import type { PoolLauncher } from './pool-launcher.js';
import { launcherFor } from './pool-launchers.js';
import type { PoolSharing } from './pool-sharing.js';
import type { PoolStatus } from './pool-status.js';
import { PoolSync } from './pool-sync.js';
import { LocalStarts, type MemoryNeed } from './local-starts.js';
import { resolveWeights, weightsToLoad } from './resolve-weights.js';
import { WorkerAdmission } from './worker-admission.js';

/**
 * What a local worker's base URL looks like (workers bind loopback only). Another
 * replica's endpoint is read from the store and called only if it has this shape.
 */
const LOOPBACK_WORKER = /^http:\/\/127\.0\.0\.1:\d{1,5}\/v1$/;
const WORKER_CONNECT_TIMEOUT_MS = 2_000;

export interface PoolQuery {
  /** The catalog's canonical id: pools, weights and statuses are keyed by it. */
  model: string;
  /** Every id the call may be known by in `pools[].models` (requested id, base model). */
  aliases: readonly string[];
  /** Canonical GPU spec. */
  gpu: string;
}

/** A catalog model, as far as `localWeights` needs one (a `CatalogModel` is one). */
export interface ModelGpus {
  readonly id: string;
  /** Specs the model may serve on; `canonical` is the spec as pool entries name it. */
  readonly inferenceGpus: ReadonlyArray<{ readonly canonical: string }>;
}

export type ManagerConfig = Pick<Config, 'pools' | 'upstream' | 'limits' | 'models' | 'workers' | 'warmup'> & Partial<Pick<Config, 'state'>>;

/** How the pools share state with other replicas. @default a memory store: this process only */
export interface ManagerSharing {
  store: PoolStateStore;
  /** This process's id in records and claims. */
  replica: string;
  /** @default os.hostname(): local pools are shared by the replicas on one machine. */
  host?: string;
  /**
   * A record's (model, gpu) as a pool query, once the catalog has checked it, so that
   * pools another replica created appear here too; undefined ignores the record.
   * @default only pools that already exist here are updated
   */
  resolve?(key: PoolKey): PoolQuery | undefined;
}

export interface PoolManagerOptions {
  config: ManagerConfig;
  /** Where `pools[].api_key_env` names are looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Told of every state change of every pool (metrics). */
  onChange?: (pool: Pool) => void;
  /** @default a memory store: this process only */
  sharing?: ManagerSharing;
  /** The devices local pools get. @default none: every spec runs on the CPU */
  devices?: DeviceAllocator;
  /** Checked before a local pool starts on a GPU host. @default nothing is checked */
  memoryNeed?: MemoryNeed;
  /** Told how long each start waited in line, in seconds (metrics). */
  onQueueWait?: (seconds: number) => void;
  /** Share of each device's memory a worker may use (gpus.memory_utilization). @default 0.9 */
  memoryUtilization?: number;
}

/**
 * The (model, gpu) pools, created on first use from the configured entries (first match
 * wins). Local pools share a cap on live workers; an idle one is evicted, least recently
 * used first, when another must start.
 */
export class PoolManager {
  readonly #config: ManagerConfig;
  readonly #entries: PoolEntries;
  readonly #pools = new Map<string, Pool>();
  /** Upstream pools are called through their entry's group without warming. */
  readonly #upstreamGroups = new WeakMap<Pool, EndpointGroup>();
  readonly #byModel = new Map<string, Pool[]>();
  readonly #onChange: (pool: Pool) => void;
  readonly #sharing: PoolSharing & Pick<ManagerSharing, 'resolve'>;
  readonly #sync: PoolSync | undefined;
  /** A pool that does not exist yet has been cold since then. */
  readonly #createdAt = Date.now();
  readonly #admission: WorkerAdmission;
  readonly #starts: LocalStarts;

  constructor({ config, env = process.env, onChange, sharing, devices = new DeviceAllocator([]), memoryNeed, onQueueWait, memoryUtilization = 0.9 }: PoolManagerOptions) {
    this.#config = config;
    this.#admission = new WorkerAdmission({
      allocator: devices,
      maxLive: config.workers.max_live,
      queueTimeoutMs: config.workers.queue_timeout_ms,
      maxQueue: config.workers.max_queue,
      pools: () => [...this.#pools.values()].filter((p) => p.launcher.kind === 'local'),
      ...(onQueueWait && { onWaited: onQueueWait }),
    });
    this.#starts = new LocalStarts({ admission: this.#admission, weightsOf: (model) => weightsToLoad(model, config), memoryNeed, memoryUtilization });
    this.#onChange = (pool) => {
      onChange?.(pool);
      // A pool that became warm or cold may be what a start in line waits for.
      if (pool.launcher.kind === 'local') this.#admission.wake();
    };
    this.#sharing = {
      store: sharing?.store ?? new MemoryStateStore(),
      replica: sharing?.replica ?? randomUUID(),
      host: sharing?.host ?? hostname(),
      ...(sharing?.resolve && { resolve: sharing.resolve }),
      claimTtlMs: config.state?.claim_ttl_ms ?? 15_000,
      reachable: (endpoint) => LOOPBACK_WORKER.test(endpoint),
      borrow: (endpoint, onLost) => new BorrowedEndpointGroup(endpoint, this.#workerRequests(), onLost),
    };
    this.#entries = new PoolEntries(config, env);
    if (this.#sharing.store.shared) {
      this.#sync = new PoolSync(this.#sharing.store, (snapshot) => this.#applyShared(snapshot));
      this.#sync.start();
    }
  }

  /** Whether any entry spawns local workers (and so needs the test model). */
  get hasLocalPools(): boolean {
    return this.#entries.hasLocal;
  }

  /** The host's devices and who holds them. */
  get devices(): DeviceAllocator {
    return this.#admission.allocator;
  }

  /** Starts waiting in line for a worker slot or devices now. */
  get waiting(): number {
    return this.#admission.waiting;
  }

  /**
   * The pool serving (model, gpu), created on first use; undefined when no entry serves
   * it. On a GPU host a local entry serves only specs the host has the devices for; the
   * next matching entry (an upstream, say) is tried instead.
   */
  find(query: PoolQuery): Pool | undefined {
    const entry = this.#match(query);
    if (!entry) return undefined;
    const key = poolMapKey(entry, query);
    let pool = this.#pools.get(key);
    if (!pool) {
      const created: Pool = new Pool({
        model: query.model,
        gpu: query.gpu,
        launcher: this.#launcher(entry, query),
        idleTtlMs: this.#config.warmup.idle_ttl_ms,
        timeoutMs: this.#config.warmup.timeout_ms,
        onChange: this.#onChange,
        onIdle: () => this.#admission.wake(),
        sharing: this.#sharing,
        rewarm: () => this.warm(created),
      });
      pool = created;
      this.#pools.set(key, pool);
      if (entry.group) this.#upstreamGroups.set(pool, entry.group);
      this.#byModel.set(query.model, [...(this.#byModel.get(query.model) ?? []), pool]);
    }
    return pool;
  }

  /**
   * The status of the pool serving (model, gpu), or the one it would have if it existed
   * (cold, with the device and weights its launcher reports), without creating it: a
   * status query is no use, so it must not add pools to listings and counts.
   */
  peek(query: PoolQuery): PoolStatus | undefined {
    const entry = this.#match(query);
    if (!entry) return undefined;
    const pool = this.#pools.get(poolMapKey(entry, query));
    if (pool) return pool.status();
    const { kind, device, weights } = this.#launcher(entry, query);
    return { model: query.model, gpu: query.gpu, kind, state: 'cold', since: this.#createdAt, lastUsed: null, device, weights };
  }

  /** GPU specs that some entry serves for these ids, for 503 messages. */
  gpusFor(aliases: readonly string[]): string[] {
    return this.#entries.gpusFor(aliases);
  }

  /**
   * Why no pool serves (model, gpu) although a local entry would: this host lacks the
   * devices. Undefined when no entry names it at all.
   */
  noDevicesFor(query: PoolQuery): string | undefined {
    const entry = this.#entries.match(query.aliases, [query.gpu]);
    if (entry?.config.kind !== 'local' || this.#admission.canHost(query.gpu)) return undefined;
    return `${query.gpu} cannot run on this host: ${this.#admission.allocator.describe()}`;
  }

  /** GPUs on which this model is warm now. */
  warmGpus(model: string): string[] {
    return (this.#byModel.get(model) ?? []).filter((p) => p.state === 'warmed').map((p) => p.gpu);
  }

  /**
   * Where to send a call. Upstream pools are called as they are (a cold upstream only
   * answers slower); a local pool that is cold is started first, and the call waits.
   */
  endpointsFor(pool: Pool, leave?: AnySignal): Promise<EndpointGroup> | EndpointGroup {
    return this.#upstreamGroups.get(pool) ?? this.warm(pool, leave);
  }

  /**
   * Starts the pool if it is not warm or starting; every caller shares one start, on
   * this replica and (with a shared store) across replicas. A local pool first needs a
   * worker slot and its devices, maybe after waiting in line; `leave` (a caller hanging
   * up) takes this caller out, and the place in line goes when every caller has left.
   */
  warm(pool: Pool, leave?: AnySignal): Promise<EndpointGroup> {
    if (pool.launcher.kind !== 'local' || pool.live || pool.remote) return pool.warm();
    return this.#starts.warm(pool, leave);
  }

  /** A 400 when a local pool's weights cannot fit the devices it would get. */
  checkFit(pool: Pool): Promise<void> {
    return this.#starts.checkFit(pool);
  }

  /**
   * Which weights local pools of these models would load, as label → number of models:
   * `{"test-model": 24}` on a fresh checkout. A model counts when the first entry that
   * serves it on one of its inference GPUs (an entry with gpu "*" serves every GPU) is
   * local. Entries below that one are not looked at, so an upstream entry for one GPU
   * hides local pools of the same model on other GPUs: this is a summary per model, not
   * per pool.
   */
  localWeights(models: readonly ModelGpus[]): Record<string, number> {
    const summary: Record<string, number> = {};
    for (const model of models) {
      const entry = this.#entries.match([model.id], model.inferenceGpus.map((s) => s.canonical));
      if (entry?.config.kind !== 'local') continue;
      const { label } = resolveWeights(model.id, this.#config);
      summary[label] = (summary[label] ?? 0) + 1;
    }
    return summary;
  }

  statuses(): PoolStatus[] {
    return [...this.#pools.values()].map((p) => p.status());
  }

  /** Stops this replica's workers and syncing; the store itself belongs to whoever made it. */
  async close(): Promise<void> {
    this.#sync?.stop();
    await Promise.all([...this.#pools.values()].map((p) => p.close()));
    await this.#entries.close();
  }

  /** Another replica's record: shown on the pool it describes, if this replica serves that pool. */
  #applyShared(snapshot: PoolSnapshot & { record: PoolRecord }): void {
    const { record } = snapshot;
    if (record.host !== undefined && record.host !== this.#sharing.host) return;
    const query = this.#sharing.resolve?.(record);
    const pool = query ? this.find(query) : (this.#byModel.get(record.model) ?? []).find((p) => p.gpu === record.gpu);
    if (pool && pool.key.host === record.host) pool.applyShared(snapshot);
  }

  #match(query: PoolQuery): PoolEntry | undefined {
    return this.#entries.match(query.aliases, [query.gpu], (entry) => entry.config.kind !== 'local' || this.#admission.canHost(query.gpu));
  }

  #launcher(entry: PoolEntry, query: PoolQuery): PoolLauncher {
    return launcherFor(entry, query.model, query.gpu, this.#config, this.#workerRequests());
  }

  /**
   * Calls to a local worker, this replica's or a borrowed one: a worker is an upstream
   * like any other, so upstream.timeout_ms bounds each request (a long CPU generation
   * is no failed start).
   */
  #workerRequests(): EndpointOptions {
    return { connectTimeoutMs: WORKER_CONNECT_TIMEOUT_MS, timeoutMs: this.#config.upstream.timeout_ms, limits: answerLimits(this.#config) };
  }
}

/** Pools are per entry too: two entries serving one (model, gpu) never share a pool. */
function poolMapKey(entry: PoolEntry, query: PoolQuery): string {
  return `${entry.index}\u0000${query.model}\u0000${query.gpu}`;
}
