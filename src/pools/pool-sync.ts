import type { PoolRecord, PoolSnapshot, PoolStateStore } from '../state/pool-state-store.js';

/** A full read now and then catches what change events missed (a reconnect, an outage). */
const SYNC_EVERY_MS = 1_000;

/**
 * Keeps this replica's view of the pools in step with the shared store: every record
 * another replica writes arrives as a change event (Redis pub/sub, within a
 * millisecond), and all records are read again every second. Pool status stays a
 * synchronous read of that view, so no request ever waits on the store.
 */
export class PoolSync {
  readonly #store: PoolStateStore;
  readonly #apply: (snapshot: PoolSnapshot & { record: PoolRecord }) => void;
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(store: PoolStateStore, apply: (snapshot: PoolSnapshot & { record: PoolRecord }) => void) {
    this.#store = store;
    this.#apply = apply;
  }

  start(): void {
    // A writer that holds the claim is alive as it writes: its token is the holder.
    this.#store.onChange((record) => this.#apply({ record, holder: record.claim }));
    void this.#read();
    this.#timer = setInterval(() => void this.#read(), SYNC_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      for (const snapshot of await this.#store.list()) this.#apply(snapshot);
    } catch {
      // The store reports its own outages; the next read tries again.
    } finally {
      this.#reading = false;
    }
  }
}
