import type { PoolKey, PoolRecord } from '../state/pool-state-store.js';
import type { PoolLauncher } from './pool-launcher.js';
import type { PoolSharing } from './pool-sharing.js';
import type { PoolState, PoolStatus } from './pool-status.js';
import type { PullProgress } from './pull-weights.js';

/** Calls touch the shared lastUsed at most this often per pool. */
const TOUCH_EVERY_MS = 1_000;

export interface PoolViewOptions {
  /** The pool's (model, gpu), and its host if local. */
  key: PoolKey;
  launcher: PoolLauncher;
  sharing: PoolSharing;
  /** Told of every change of state (status stores, metrics). */
  onChange(): void;
  /** What a record written now names besides the view: the local worker's base URL, the claim held. */
  holding(): { endpoint?: string | undefined; claim?: string | undefined };
}

/**
 * This replica's view of one pool: what `status()` reports, read synchronously on every
 * call, and the writes that tell the other replicas, in order. Every change this replica
 * makes goes through `enter`; another replica's record arrives through `adopt`.
 */
export class PoolView {
  readonly #options: PoolViewOptions;
  #state: PoolState = 'cold';
  #since = Date.now();
  #lastUsed: number | null = null;
  #device: string;
  /** Shown until the next start; a failed start or a lost replica leaves its reason here. */
  error: string | undefined;
  /** `since` of the newest shared state applied or written here; older records are stale news. */
  #seen = 0;
  /** While `downloading` here: the latest progress, read by status() (not shared: too frequent). */
  #download: PullProgress | undefined;
  #writes: Promise<void> = Promise.resolve();
  #touchedAt = 0;

  constructor(options: PoolViewOptions) {
    this.#options = options;
    this.#device = options.launcher.device;
  }

  get state(): PoolState {
    return this.#state;
  }

  get lastUsed(): number | null {
    return this.#lastUsed;
  }

  get seen(): number {
    return this.#seen;
  }

  set device(device: string) {
    this.#device = device;
  }

  status(): PoolStatus {
    const { key, launcher } = this.#options;
    return {
      model: key.model,
      gpu: key.gpu,
      kind: launcher.kind,
      state: this.#state,
      since: this.#since,
      lastUsed: this.#lastUsed,
      device: this.#device,
      weights: launcher.weights,
      ...(this.#download && { download: { bytes: this.#download.bytes, totalBytes: this.#download.totalBytes, progress: this.#download.progress } }),
      ...(this.error !== undefined && { error: this.error }),
    };
  }

  /** Weights download before the start proper: `downloading` on the first report, progress after. */
  downloading(progress: PullProgress, { share }: { share: boolean }): void {
    if (this.#state !== 'downloading') this.enter('downloading', { share });
    this.#download = progress;
  }

  /** This replica moves the pool to `state`; `share` writes it for the other replicas. */
  enter(state: PoolState, { share }: { share: boolean }): void {
    this.#state = state;
    this.#download = undefined;
    this.#since = Date.now();
    if (share) this.#share();
    this.#options.onChange();
  }

  /**
   * Shows another replica's record, as `shown` (its state, or failed when its replica is
   * gone). Returns whether that was news: the periodic read repeats records, and only a
   * change counts.
   */
  adopt(record: PoolRecord, shown: { state: PoolState; error: string | undefined }): boolean {
    this.#seen = record.since;
    this.heard(record.lastUsed);
    this.#device = record.device;
    if (shown.state === this.#state && record.since === this.#since) return false;
    this.error = shown.error;
    this.#state = shown.state;
    this.#since = record.since;
    this.#options.onChange();
    return true;
  }

  /** A use on another replica: it counts for the idle TTL and for eviction order. */
  heard(lastUsed: number | null): void {
    if (lastUsed !== null && lastUsed > (this.#lastUsed ?? 0)) this.#lastUsed = lastUsed;
  }

  /** A warm-up or call here; the store hears of it at most every TOUCH_EVERY_MS. */
  use(): void {
    const now = Date.now();
    this.#lastUsed = now;
    if (now - this.#touchedAt < TOUCH_EVERY_MS) return;
    this.#touchedAt = now;
    void this.#options.sharing.store.touch(this.#options.key, now).catch(() => undefined);
  }

  /** Resolves once every record written so far has reached the store (or failed to). */
  written(): Promise<void> {
    return this.#writes;
  }

  /** Writes this replica's state to the store, in order, errors absorbed by the store. */
  #share(): void {
    const { endpoint, claim } = this.#options.holding();
    const { error, download: _, ...shown } = this.status();
    const record: PoolRecord = {
      ...this.#options.key,
      ...shown,
      replica: this.#options.sharing.replica,
      ...(error !== undefined && shown.state === 'failed' && { error }),
      ...(endpoint && shown.state === 'warmed' && { endpoint }),
      ...(claim && { claim }),
    };
    this.#seen = Math.max(this.#seen, record.since);
    const { store } = this.#options.sharing;
    this.#writes = this.#writes.then(() => store.put(record)).catch(() => undefined);
  }
}
