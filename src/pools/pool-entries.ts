import type { Config, PoolConfig } from '../config/config-schema.js';
import { EndpointGroup } from '../upstream/endpoint-group.js';
import type { AnswerLimits } from '../upstream/upstream-answer.js';

export interface PoolEntry {
  /** Position in config `pools`, so two entries serving one (model, gpu) never share a pool. */
  index: number;
  config: PoolConfig;
  /** Upstream entries: one endpoint group shared by all their (model, gpu) pools. */
  group?: EndpointGroup;
}

/**
 * The configured pool entries, in order: the first that serves a model on a GPU wins.
 * Upstream entries' endpoint groups are built once here, never per call.
 */
export class PoolEntries {
  readonly #entries: readonly PoolEntry[];

  constructor(config: Pick<Config, 'pools' | 'upstream' | 'limits'>, env: NodeJS.ProcessEnv) {
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
        limits: answerLimits(config),
        name: entry.gpu === '*' ? `pools[${index}]` : `the ${entry.gpu} pool (pools[${index}])`,
      });
      return { index, config: entry, group };
    });
  }

  /** Whether any entry spawns local workers. */
  get hasLocal(): boolean {
    return this.#entries.some((e) => e.config.kind === 'local');
  }

  /**
   * The first entry that serves any of these ids on any of these GPU specs (canonical),
   * among those `usable` accepts.
   */
  match(aliases: readonly string[], gpus: readonly string[], usable: (entry: PoolEntry) => boolean = () => true): PoolEntry | undefined {
    return this.#entries.find((e) => this.#serves(e, aliases) && (e.config.gpu === '*' || gpus.includes(e.config.gpu)) && usable(e));
  }

  /** GPU specs that some entry serves for these ids, for 503 messages. */
  gpusFor(aliases: readonly string[]): string[] {
    return this.#entries.filter((e) => this.#serves(e, aliases)).map((e) => e.config.gpu);
  }

  async close(): Promise<void> {
    await Promise.all(this.#entries.map((e) => e.group?.close()));
  }

  #serves(entry: PoolEntry, aliases: readonly string[]): boolean {
    return entry.config.models.some((m) => m === '*' || aliases.some((id) => id.toLowerCase() === m.toLowerCase()));
  }
}

/** What one upstream answer may hold in memory, for every endpoint: upstream or local worker. */
export function answerLimits(config: Pick<Config, 'limits'>): AnswerLimits {
  return { bodyBytes: config.limits.max_upstream_body_bytes, eventBytes: config.limits.max_event_bytes };
}
