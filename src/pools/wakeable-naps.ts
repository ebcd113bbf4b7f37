/**
 * Sleeps that a change event can cut short: a replica following another's warm-up polls
 * the store, but should look again as soon as it hears the pool changed.
 */
export class WakeableNaps {
  readonly #sleepers = new Set<() => void>();

  /** Resolves after `ms`, or at the next `wakeAll()`; rejects with the reason if `signal` aborts. */
  nap(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#sleepers.delete(done);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.#sleepers]) done();
  }
}
