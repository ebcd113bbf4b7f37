import type { Config, PoolConfig } from '../config/config-schema.js';
import { EndpointGroup } from '../upstream/endpoint-group.js';

export interface PoolMatch {
  /** Position in the config's `pools:` list. */
  index: number;
  entry: PoolConfig;
  group: EndpointGroup;
}

export interface PoolQuery {
  /** Every id the request may be known by, e.g. the requested id and its base model. */
  modelIds: readonly string[];
  /** Canonical GPU spec. */
  gpu: string;
}

/**
 * The configured pools, in order; the first entry that serves (model, gpu) wins.
 * Endpoint groups are built once here, never per request.
 */
export class PoolRegistry {
  private readonly pools: readonly PoolMatch[];

  constructor(config: Pick<Config, 'pools' | 'upstream'>, env: NodeJS.ProcessEnv = process.env) {
    this.pools = config.pools.map((entry, index) => {
      const bearerToken = entry.api_key_env ? env[entry.api_key_env] : undefined;
      if (entry.api_key_env && !bearerToken) {
        throw new Error(`pools[${index}].api_key_env: environment variable ${entry.api_key_env} is not set; export it, or remove api_key_env if the upstream needs no key`);
      }
      const group = new EndpointGroup(entry.endpoints, {
        connectTimeoutMs: config.upstream.connect_timeout_ms,
        timeoutMs: config.upstream.timeout_ms,
        bearerToken,
      });
      return { index, entry, group };
    });
  }

  find(query: PoolQuery): PoolMatch | undefined {
    const ids = query.modelIds.map((id) => id.toLowerCase());
    return this.pools.find(({ entry }) =>
      (entry.gpu === '*' || entry.gpu === query.gpu) &&
      entry.models.some((m) => m === '*' || ids.includes(m.toLowerCase())),
    );
  }

  /** GPU specs that some pool serves for these ids, for 503 messages. */
  gpusFor(modelIds: readonly string[]): string[] {
    const ids = modelIds.map((id) => id.toLowerCase());
    return this.pools
      .filter(({ entry }) => entry.models.some((m) => m === '*' || ids.includes(m.toLowerCase())))
      .map(({ entry }) => entry.gpu);
  }

  close(): Promise<void> {
    return Promise.all(this.pools.map((p) => p.group.close())).then(() => undefined);
  }
}
