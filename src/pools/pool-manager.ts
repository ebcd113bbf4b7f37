import type { Config, PoolConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import { EndpointGroup } from '../upstream/endpoint-group.js';
import { LocalWorkerLauncher } from './local-worker-launcher.js';
import { Pool } from './pool.js';
import type { PoolLauncher } from './pool-launcher.js';
import type { PoolStatus } from './pool-status.js';
import { resolveWeights } from './resolve-weights.js';
import { UpstreamProbeLauncher } from './upstream-probe-launcher.js';

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

export type ManagerConfig = Pick<Config, 'pools' | 'upstream' | 'models' | 'workers' | 'warmup'>;

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

  constructor(config: ManagerConfig, env: NodeJS.ProcessEnv = process.env, onChange?: (pool: Pool) => void) {
    this.#config = config;
    this.#onChange = onChange;
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
      pool = new Pool({
        model: query.model,
        gpu: query.gpu,
        launcher: this.#launcher(entry, query),
        idleTtlMs: this.#config.warmup.idle_ttl_ms,
        timeoutMs: this.#config.warmup.timeout_ms,
        ...(this.#onChange && { onChange: this.#onChange }),
      });
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

  /** Starts the pool if it is not warm or starting; every caller shares one start. */
  warm(pool: Pool): Promise<EndpointGroup> {
    if (pool.launcher.kind === 'local' && !pool.live) this.#makeRoom();
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

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.stop()));
    await Promise.all(this.#entries.map((e) => e.group?.close()));
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
