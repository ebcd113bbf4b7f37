import type { Logger } from 'pino';
import { MemoryStateStore } from './memory-state-store.js';
import type { PoolKey, PoolRecord, PoolSnapshot, PoolStateStore } from './pool-state-store.js';
import type { RedisStateStore } from './redis-state-store.js';

/** While Redis is out, how often to ask whether it is back. */
const RECOVERY_CHECK_MS = 500;

/**
 * The Redis store with a local fallback (issue 5 §2.4). Every write also lands in a
 * memory store. When a Redis call fails, this replica carries on with its local state,
 * logs ONE warning, and checks every 500 ms whether Redis answers again; when it does,
 * it pushes its own records and claims back (unless Redis holds newer ones) and logs
 * that it recovered. A store error never reaches a caller, so it never becomes a 5xx.
 */
export class ResilientStateStore implements PoolStateStore {
  readonly shared = true;
  readonly #redis: RedisStateStore;
  readonly #local = new MemoryStateStore();
  readonly #logger: Logger;
  /** This replica's id: a re-sync pushes the records it wrote. */
  readonly #replica: string;
  #degraded = false;
  #recovering = false;
  #closed = false;
  #recoveryTimer: NodeJS.Timeout | undefined;

  constructor(redis: RedisStateStore, options: { logger: Logger; replica: string }) {
    this.#redis = redis;
    this.#logger = options.logger;
    this.#replica = options.replica;
    redis.client.on('error', (error: Error) => this.#degrade(error));
    redis.client.on('close', () => this.#degrade(new Error('connection to Redis closed')));
    redis.client.on('ready', () => void this.#recover());
  }

  /** True while this replica runs on local state. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** Connects; if Redis is not there, starts degraded (one warning) instead of failing start-up. */
  async start(): Promise<void> {
    try {
      await this.#redis.connect();
    } catch (error) {
      this.#degrade(error as Error);
    }
  }

  get(key: PoolKey): Promise<PoolSnapshot> {
    return this.#either(
      () => this.#redis.get(key),
      () => this.#local.get(key),
    );
  }

  async put(record: PoolRecord): Promise<void> {
    await this.#local.put(record);
    await this.#either(
      () => this.#redis.put(record),
      async () => undefined,
    );
  }

  async touch(key: PoolKey, at: number): Promise<void> {
    await this.#local.touch(key, at);
    await this.#either(
      () => this.#redis.touch(key, at),
      async () => undefined,
    );
  }

  list(): Promise<Array<PoolSnapshot & { record: PoolRecord }>> {
    return this.#either(
      () => this.#redis.list(),
      () => this.#local.list(),
    );
  }

  async claim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    const won = await this.#either(
      () => this.#redis.claim(key, token, ttlMs),
      () => this.#local.claim(key, token, ttlMs),
    );
    // Mirrored, so that the holder still holds it locally if Redis goes away.
    if (won) this.#local.hold(key, token, ttlMs);
    return won;
  }

  async renewClaim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    const renewed = await this.#either(
      () => this.#redis.renewClaim(key, token, ttlMs),
      async () => (await this.#local.renewClaim(key, token, ttlMs)) || this.#local.claim(key, token, ttlMs),
    );
    if (renewed) this.#local.hold(key, token, ttlMs);
    else await this.#local.releaseClaim(key, token);
    return renewed;
  }

  async releaseClaim(key: PoolKey, token: string): Promise<void> {
    await this.#local.releaseClaim(key, token);
    await this.#either(
      () => this.#redis.releaseClaim(key, token),
      async () => undefined,
    );
  }

  onChange(listener: (record: PoolRecord) => void): void {
    this.#redis.onChange(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#recoveryTimer);
    await this.#redis.close();
  }

  async #either<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (this.#degraded || this.#closed) return local();
    try {
      return await remote();
    } catch (error) {
      this.#degrade(error as Error);
      return local();
    }
  }

  #degrade(error: Error): void {
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    this.#logger.warn(
      { err: { message: error.message } },
      'state store: Redis is unreachable, so this replica falls back to local pool state (warm-ups are no longer shared across replicas) until Redis answers again',
    );
    this.#recoveryTimer = setInterval(() => void this.#recover(), RECOVERY_CHECK_MS);
    this.#recoveryTimer.unref();
  }

  /** Redis answers again: push what this replica wrote meanwhile, then use Redis again. */
  async #recover(): Promise<void> {
    if (!this.#degraded || this.#recovering || this.#closed || this.#redis.client.status !== 'ready') return;
    this.#recovering = true;
    try {
      // A real read, not only a ping: a Redis that answers PING but refuses our commands
      // (ACLs, a foreign key of the wrong type) stays out, rather than flapping.
      await this.#redis.list();
      let pushed = 0;
      for (const { record } of await this.#local.list()) {
        if (record.replica === this.#replica && (await this.#redis.putIfNewer(record))) pushed++;
      }
      for (const { key, token, ttlMs } of this.#local.heldClaims()) await this.#redis.claim(key, token, ttlMs);
      this.#degraded = false;
      clearInterval(this.#recoveryTimer);
      this.#logger.info({ records: pushed }, 'state store: Redis answers again; re-synced this replica\'s pool records and shares state again');
    } catch {
      // Still out; the next check tries again.
    } finally {
      this.#recovering = false;
    }
  }
}
