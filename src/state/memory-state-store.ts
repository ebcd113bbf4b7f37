import { poolId, type PoolKey, type PoolRecord, type PoolSnapshot, type PoolStateStore } from './pool-state-store.js';

interface Claim {
  token: string;
  expiresAt: number;
}

/**
 * Pool state in this process: the embedded default, and the local fallback of the Redis
 * store. Claims expire like Redis keys do (checked when read).
 */
export class MemoryStateStore implements PoolStateStore {
  readonly shared = false;
  readonly #records = new Map<string, PoolRecord>();
  readonly #claims = new Map<string, Claim & { key: PoolKey }>();

  async get(key: PoolKey): Promise<PoolSnapshot> {
    return this.snapshot(key);
  }

  /** `get` without the promise, for the resilient store's fallback. */
  snapshot(key: PoolKey): PoolSnapshot {
    const record = this.#records.get(poolId(key));
    return { record: record && { ...record }, holder: this.#liveClaim(key)?.token };
  }

  /** As Redis does: the whole record replaced (absent fields gone), lastUsed never moved back. */
  async put(record: PoolRecord): Promise<void> {
    const id = poolId(record);
    const stored = this.#records.get(id)?.lastUsed ?? null;
    const copy = Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as unknown as PoolRecord;
    if (stored !== null && stored > (copy.lastUsed ?? 0)) copy.lastUsed = stored;
    this.#records.set(id, copy);
  }

  async touch(key: PoolKey, at: number): Promise<void> {
    const record = this.#records.get(poolId(key));
    if (record && (record.lastUsed ?? 0) < at) record.lastUsed = at;
  }

  async list(): Promise<Array<PoolSnapshot & { record: PoolRecord }>> {
    return [...this.#records.values()].map((record) => ({ record: { ...record }, holder: this.#liveClaim(record)?.token }));
  }

  async claim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    if (this.#liveClaim(key)) return false;
    this.#claims.set(poolId(key), { key, token, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async renewClaim(key: PoolKey, token: string, ttlMs: number): Promise<boolean> {
    const claim = this.#liveClaim(key);
    if (claim?.token !== token) return false;
    claim.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async releaseClaim(key: PoolKey, token: string): Promise<void> {
    if (this.#liveClaim(key)?.token === token) this.#claims.delete(poolId(key));
  }

  onChange(): void {
    // Nobody else writes here.
  }

  async close(): Promise<void> {
    this.#records.clear();
    this.#claims.clear();
  }

  /** Claims held now, with the ms they have left: what the fallback pushes back to Redis. */
  heldClaims(): Array<{ key: PoolKey; token: string; ttlMs: number }> {
    const now = Date.now();
    return [...this.#claims.entries()]
      .filter(([, claim]) => claim.expiresAt > now)
      .map(([, claim]) => ({ key: claim.key, token: claim.token, ttlMs: claim.expiresAt - now }));
  }

  /** Sets a claim regardless of its holder (mirroring one won in Redis). */
  hold(key: PoolKey, token: string, ttlMs: number): void {
    this.#claims.set(poolId(key), { key, token, expiresAt: Date.now() + ttlMs });
  }

  #liveClaim(key: PoolKey): Claim | undefined {
    const id = poolId(key);
    const claim = this.#claims.get(id);
    if (claim && claim.expiresAt <= Date.now()) {
      this.#claims.delete(id);
      return undefined;
    }
    return claim;
  }
}
