import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/config-schema.js';
import { MemoryStateStore } from './memory-state-store.js';
import type { PoolStateStore } from './pool-state-store.js';

export interface StateSetup {
  store: PoolStateStore;
  /** This process's id in records and claims: unique per start. */
  replica: string;
}

/**
 * The store `state.store` names. Redis is wrapped so that an outage falls back to local
 * state instead of failing calls: start-up waits at most about a second for Redis (its
 * connect timeout) and never fails because of it.
 */
export async function createStateStore(config: Pick<Config, 'state'>, logger: Logger): Promise<StateSetup> {
  const replica = randomUUID();
  if (config.state.store === 'memory') return { store: new MemoryStateStore(), replica };
  // Loaded only here: a single gateway on the memory store never pays for ioredis.
  const [{ RedisStateStore }, { ResilientStateStore }] = await Promise.all([import('./redis-state-store.js'), import('./resilient-state-store.js')]);
  const redis = new RedisStateStore({ url: config.state.url, keyPrefix: config.state.key_prefix });
  const store = new ResilientStateStore(redis, { logger, replica });
  await store.start();
  // The URL may hold a password: it is not logged.
  if (!store.degraded) logger.info({ key_prefix: config.state.key_prefix, replica }, 'state store: sharing pool state with other replicas through Redis');
  return { store, replica };
}
