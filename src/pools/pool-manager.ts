import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config, PoolConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { PoolKey, PoolRecord, PoolSnapshot, PoolStateStore } from '../state/pool-state-store.js';
import { EndpointGroup } from '../upstream/endpoint-group.js';
import { BorrowedEndpointGroup } from './borrowed-endpoint-group.js';
import { LocalWorkerLauncher } from './local-worker-launcher.js';
import { Pool, type PoolSharing } from './pool.js';
import type { PoolLauncher } from './pool-launcher.js';
import type { PoolStatus } from './pool-status.js';
import { PoolSync } from './pool-sync.js';
import { resolveWeights } from './resolve-weights.js';
import { UpstreamProbeLauncher } from './upstream-probe-launcher.js';

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

interface Entry {
  index: number;
  config: PoolConfig;
  /** Upstream entries: one endpoint group shared by all their (model, gpu) pools. */
  group?: EndpointGroup;
}

export type ManagerConfig = Pick<Config, 'pools' | 'upstream' | 'models' | 'workers' | 'warmup'> & Partial<Pick<Config, 'state'>>;

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

/**
 * The configured pool entries, in order (first match wins), and the (model, gpu) pools
 * created from them on first use. Endpoint groups are built once here, never per call.
 * Local pools share a cap on live workers; an idle one is evicted, least recently used
 * first, when another must start.
 */
export class PoolManager {
  readonly #config: ManagerConfig;
  readonly #entries: readonly Entry[];
  readonly #pools = new Map<string, Pool>();
  /** Upstream pools are called through their entry's group without warming. */
  readonly #upstreamGroups = new WeakMap<Pool, EndpointGroup>();
  readonly #byModel = new Map<string, Pool[]>();
  readonly #onChange: ((pool: Pool) => void) | undefined;
  readonly #sharing: Omit<PoolSharing, 'store'> & ManagerSharing & { host: string };
  readonly #sync: PoolSync | undefined;

  constructor(config: ManagerConfig, env: NodeJS.ProcessEnv = process.env, onChange?: (pool: Pool) => void, sharing?: ManagerSharing) {
    this.#config = config;
    this.#onChange = onChange;
    const workerOptions = { connectTimeoutMs: WORKER_CONNECT_TIMEOUT_MS, timeoutMs: config.warmup.timeout_ms };
    this.#sharing = {
      store: sharing?.store ?? new MemoryStateStore(),
      replica: sharing?.replica ?? randomUUID(),
      host: sharing?.host ?? hostname(),
      ...(sharing?.resolve && { resolve: sharing.resolve }),
      claimTtlMs: config.state?.claim_ttl_ms ?? 15_000,
      reachable: (endpoint) => LOOPBACK_WORKER.test(endpoint),
      borrow: (endpoint, onLost) => new BorrowedEndpointGroup(endpoint, workerOptions, onLost),
    };
    this.#entries = config.pools.map((entry, index) => {
      if (entry.kind === 'local' || !entry.endpoints) return { index, config: entry };
      const bearerToken = entry.api_key_env ? env[entry.api_key_env] : undefined;
      if (entry.api_key_env && !bearerToken) {
        throw new Error(`pools[${index}].api_key_env: environment variable ${entry.api_key_env} is not set; export it, or remove api_key_env if the upstream needs no key`);
      }
      const group = new EndpointGroup(entry.endpoints, {
        connectTimeoutMs: config.upstream.connect_timeout_ms,
        timeoutMs: config.upstream.timeout_ms,
        bearerToken,
      });
      return { index, config: entry, group };
    });
    if (this.#sharing.store.shared) {
      this.#sync = new PoolSync(this.#sharing.store, (snapshot) => this.#applyShared(snapshot));
      this.#sync.start();
    }
  }

  /** Whether any entry spawns local workers (and so needs the test model). */
  get hasLocalPools(): boolean {
    return this.#entries.some((e) => e.config.kind === 'local');
  }

  /** The pool serving (model, gpu), created on first use; undefined when no entry serves it. */
  find(query: PoolQuery): Pool | undefined {
    const entry = this.#entries.find((e) => this.#serves(e, query.aliases) && (e.config.gpu === '*' || e.config.gpu === query.gpu));
    if (!entry) return undefined;
    const key = `${entry.index}\u0000${query.model}\u0000${query.gpu}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const created: Pool = new Pool({
        model: query.model,
        gpu: query.gpu,
        launcher: this.#launcher(entry, query),
        idleTtlMs: this.#config.warmup.idle_ttl_ms,
        timeoutMs: this.#config.warmup.timeout_ms,
        ...(this.#onChange && { onChange: this.#onChange }),
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

  /** GPU specs that some entry serves for these ids, for 503 messages. */
  gpusFor(aliases: readonly string[]): string[] {
    return this.#entries.filter((e) => this.#serves(e, aliases)).map((e) => e.config.gpu);
  }

  /** GPUs on which this model is warm now. */
  warmGpus(model: string): string[] {
    return (this.#byModel.get(model) ?? []).filter((p) => p.state === 'warmed').map((p) => p.gpu);
  }

  /**
   * Where to send a call. Upstream pools are called as they are (a cold upstream only
   * answers slower); a local pool that is cold is started first, and the call waits.
   */
  endpointsFor(pool: Pool): Promise<EndpointGroup> | EndpointGroup {
    return this.#upstreamGroups.get(pool) ?? this.warm(pool);
  }

  /**
   * Starts the pool if it is not warm or starting; every caller shares one start, on
   * this replica and (with a shared store) across replicas.
   */
  warm(pool: Pool): Promise<EndpointGroup> {
    if (pool.launcher.kind === 'local' && !pool.live && !pool.remote) this.#makeRoom();
    return pool.warm();
  }

  /**
   * Which weights local pools of these models would load, as label → number of models:
   * `{"test-model": 24}` on a fresh checkout. Empty without local pools.
   */
  localWeights(models: readonly string[]): Record<string, number> {
    const summary: Record<string, number> = {};
    if (!this.hasLocalPools) return summary;
    for (const model of models) {
      const { label } = resolveWeights(model, this.#config);
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
    await Promise.all(this.#entries.map((e) => e.group?.close()));
  }

  /** Another replica's record: shown on the pool it describes, if this replica serves that pool. */
  #applyShared(snapshot: PoolSnapshot & { record: PoolRecord }): void {
    const { record } = snapshot;
    if (record.host !== undefined && record.host !== this.#sharing.host) return;
    const query = this.#sharing.resolve?.(record);
    const pool = query ? this.find(query) : (this.#byModel.get(record.model) ?? []).find((p) => p.gpu === record.gpu);
    if (pool && pool.key.host === record.host) pool.applyShared(snapshot);
  }

  #serves(entry: Entry, aliases: readonly string[]): boolean {
    return entry.config.models.some((m) => m === '*' || aliases.some((id) => id.toLowerCase() === m.toLowerCase()));
  }

  #launcher(entry: Entry, query: PoolQuery): PoolLauncher {
    if (entry.group) return new UpstreamProbeLauncher(entry.group, query.model);
    const { workers, warmup } = this.#config;
    return new LocalWorkerLauncher(
      resolveWeights(query.model, this.#config),
      { threads: workers.threads, contextTokens: workers.context_tokens, timeoutMs: warmup.timeout_ms },
      `${query.model}@${query.gpu}`,
    );
  }

  /** Keeps live local workers under workers.max_live by evicting the least recently used idle one. */
  #makeRoom(): void {
    const live = [...this.#pools.values()].filter((p) => p.launcher.kind === 'local' && p.live);
    const max = this.#config.workers.max_live;
    if (live.length < max) return;
    const idle = live.filter((p) => p.inFlight === 0 && p.state === 'warmed').sort((a, b) => (a.lastUsed ?? 0) - (b.lastUsed ?? 0));
    const victim = idle[0];
    if (!victim) {
      throw new GatewayError('workers_busy', `All ${max} local workers are busy or starting (${live.map((p) => `${p.model} on ${p.gpu}`).join(', ')}). Retry shortly, or raise workers.max_live in the config.`);
    }
    void victim.stop();
  }
}
