import type { PoolKey, PoolStateStore } from '../state/pool-state-store.js';

export interface IdleTimerOptions {
  /** warmup.idle_ttl_ms */
  ttlMs: number;
  store: PoolStateStore;
  key: PoolKey;
  /** This replica's last use of the pool (and what it heard of others'). */
  lastUsed(): number | null;
  /** Whether the pool could go cold now: warm, and no call in flight. */
  idle(): boolean;
  /** While true, another replica runs the pool's worker, and it decides when the pool goes cold. */
  heldElsewhere(): boolean;
  /** Takes the pool cold. */
  expire(): Promise<void>;
}

/**
 * Takes a pool cold once it has gone `ttlMs` without use by any replica. The deadline
 * is counted from the last use, not from when the timer was armed: a warm-up or call
 * that only touched the pool (it was warm already) still pushes the deadline back.
 */
export class IdleTimer {
  readonly #options: IdleTimerOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: IdleTimerOptions) {
    this.#options = options;
  }

  arm(delayMs = this.#options.ttlMs): void {
    this.clear();
    if (this.#options.heldElsewhere()) return;
    this.#timer = setTimeout(() => void this.#check().catch(() => undefined), delayMs);
    // A warm pool never keeps the gateway process alive on its own.
    this.#timer.unref();
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  async #check(): Promise<void> {
    const { store, key, ttlMs } = this.#options;
    if (!this.#options.idle() || this.#options.heldElsewhere()) return;
    // Calls through other replicas touch only the shared record.
    const shared = store.shared ? ((await store.get(key)).record?.lastUsed ?? 0) : 0;
    const left = Math.max(this.#options.lastUsed() ?? 0, shared) + ttlMs - Date.now();
    if (left > 0) return this.arm(left);
    // The store read took a moment: a call may have begun meanwhile.
    if (!this.#options.idle()) return;
    await this.#options.expire();
  }
}
