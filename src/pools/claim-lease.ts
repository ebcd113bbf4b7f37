import type { PoolKey, PoolStateStore } from '../state/pool-state-store.js';

/**
 * A warm-up claim this replica holds: renewed every third of its TTL until released, so
 * it outlives a slow start but not a dead replica. `onLost` runs if a renewal finds the
 * claim gone (this replica was cut off for longer than the TTL and someone else took it).
 */
export class ClaimLease {
  readonly token: string;
  readonly #store: PoolStateStore;
  readonly #key: PoolKey;
  readonly #ttlMs: number;
  readonly #onLost: () => void;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(options: { store: PoolStateStore; key: PoolKey; token: string; ttlMs: number; onLost: () => void }) {
    this.token = options.token;
    this.#store = options.store;
    this.#key = options.key;
    this.#ttlMs = options.ttlMs;
    this.#onLost = options.onLost;
    this.#schedule();
  }

  get held(): boolean {
    return !this.#released;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#timer);
    await this.#store.releaseClaim(this.#key, this.token).catch(() => undefined);
  }

  #schedule(): void {
    // One renewal at a time: the next is scheduled when the last has answered.
    this.#timer = setTimeout(() => void this.#renew(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const renewed = await this.#store.renewClaim(this.#key, this.token, this.#ttlMs).catch(() => true);
    if (this.#released) return;
    if (renewed) return this.#schedule();
    this.#released = true;
    this.#onLost();
  }
}
