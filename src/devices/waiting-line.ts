export interface WaitingLineOptions {
  /** Longest wait before `timedOut()` rejects the waiter. */
  timeoutMs: number;
  /** Most waiters at once; one more is rejected with `full()` at once. */
  maxWaiting: number;
  full(): Error;
  timedOut(): Error;
  /** Told how long each waiter that got through waited, in seconds. */
  onWaited?(seconds: number): void;
}

interface Waiter<T> {
  attempt(): T | undefined;
  resolve(value: T): void;
  reject(error: Error): void;
  started: number;
  cleanup(): void;
}

/**
 * A first-come, first-served line for something scarce. `attempt` returns the thing, or
 * undefined when it is not to be had yet; `wake` retries every waiter in order after a
 * release. A newcomer joins behind anyone already waiting, so it cannot overtake them.
 */
export class WaitingLine<T> {
  readonly #options: WaitingLineOptions;
  readonly #waiters: Waiter<T>[] = [];

  constructor(options: WaitingLineOptions) {
    this.#options = options;
  }

  get depth(): number {
    return this.#waiters.length;
  }

  /** The thing now when nobody waits and it is free, else a place in line. */
  join(attempt: () => T | undefined, signal?: AbortSignal): Promise<T> {
    if (this.#waiters.length === 0) {
      const now = attempt();
      if (now !== undefined) return Promise.resolve(now);
    }
    if (this.#waiters.length >= this.#options.maxWaiting) return Promise.reject(this.#options.full());
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const leave = (error: Error) => {
        this.#remove(waiter);
        reject(error);
      };
      const timer = setTimeout(() => leave(this.#options.timedOut()), this.#options.timeoutMs);
      const onAbort = () => leave(signal!.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter<T> = {
        attempt,
        resolve,
        reject,
        started: performance.now(),
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Something was released: let every waiter that can now go, in order. */
  wake(): void {
    for (const waiter of [...this.#waiters]) {
      // An attempt may stop a pool, which can wake the line again from inside this loop.
      if (!this.#waiters.includes(waiter)) continue;
      let got: T | undefined;
      try {
        got = waiter.attempt();
      } catch (error) {
        this.#remove(waiter);
        waiter.reject(error as Error);
        continue;
      }
      if (got === undefined) continue;
      this.#remove(waiter);
      this.#options.onWaited?.((performance.now() - waiter.started) / 1000);
      waiter.resolve(got);
    }
  }

  #remove(waiter: Waiter<T>): void {
    waiter.cleanup();
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
  }
}
