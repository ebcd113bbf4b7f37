import { GatewayError } from '../errors/gateway-error.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';
import type { PoolState, PoolStatus } from './pool-status.js';

export interface PoolOptions {
  model: string;
  gpu: string;
  launcher: PoolLauncher;
  /** A warm pool with no call for this long goes cold. */
  idleTtlMs: number;
  /** Bound on one start, for warm-ups and for calls that wait on a cold pool. */
  timeoutMs: number;
  /** Told of every state change (status stores, metrics). */
  onChange?: (pool: Pool) => void;
}

/**
 * One (model, gpu) pool and its lifecycle. Every concurrent warm-up and call shares a
 * single start; a warm pool goes cold after its idle TTL; a start or endpoint that fails
 * leaves the pool `failed` with the error, and the next warm-up or call starts it again.
 */
export class Pool {
  readonly model: string;
  readonly gpu: string;
  readonly launcher: PoolLauncher;
  readonly #options: PoolOptions;
  #state: PoolState = 'cold';
  #since = Date.now();
  #lastUsed: number | null = null;
  #error: string | undefined;
  #device: string;
  #running: LaunchedPool | undefined;
  #starting: Promise<LaunchedPool> | undefined;
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: PoolOptions) {
    this.model = options.model;
    this.gpu = options.gpu;
    this.launcher = options.launcher;
    this.#options = options;
    this.#device = options.launcher.device;
  }

  get state(): PoolState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get lastUsed(): number | null {
    return this.#lastUsed;
  }

  /** Started or starting: it holds (or will hold) a worker. */
  get live(): boolean {
    return this.#running !== undefined || this.#starting !== undefined;
  }

  status(): PoolStatus {
    return {
      model: this.model,
      gpu: this.gpu,
      kind: this.launcher.kind,
      state: this.#state,
      since: this.#since,
      lastUsed: this.#lastUsed,
      device: this.#device,
      weights: this.launcher.weights,
      ...(this.#error !== undefined && { error: this.#error }),
    };
  }

  /** The endpoints once warm; starts the pool unless a start is already under way. */
  warm(): Promise<EndpointGroup> {
    this.#lastUsed = Date.now();
    if (this.#running) return Promise.resolve(this.#running.group);
    this.#starting ??= this.#start();
    return this.#starting.then((launched) => launched.group);
  }

  /** Counts a call in flight until the returned function is called. */
  begin(): () => void {
    this.#inFlight++;
    this.#lastUsed = Date.now();
    clearTimeout(this.#idleTimer);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#lastUsed = Date.now();
      if (this.#inFlight === 0) this.#armIdleTimer();
    };
  }

  /** An upstream answered a call: it is evidently serving, whether or not it was warmed. */
  noteServed(): void {
    if (this.#state !== 'warmed') {
      this.#setState('warmed');
      this.#armIdleTimer();
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const running = this.#running;
    this.#running = undefined;
    if (this.#state !== 'cold') this.#setState('cold');
    await running?.stop();
  }

  async #start(): Promise<LaunchedPool> {
    this.#error = undefined;
    this.#setState('warming');
    const { timeoutMs } = this.#options;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`not warm after ${timeoutMs} ms (warmup.timeout_ms)`)), timeoutMs);
    try {
      const launched = await this.launcher.launch(controller.signal);
      this.#running = launched;
      this.#device = launched.device;
      this.#setState('warmed');
      this.#armIdleTimer();
      void launched.exited.then((reason) => {
        if (this.#running !== launched) return;
        this.#running = undefined;
        this.#fail(reason);
      });
      return launched;
    } catch (error) {
      // Launchers reject with the abort reason, or with what they saw going wrong.
      const reason = (error as Error).message;
      this.#fail(reason);
      throw new GatewayError('warmup_failed', `${this.model} on ${this.gpu} did not become warm: ${reason}`);
    } finally {
      clearTimeout(timer);
      this.#starting = undefined;
    }
  }

  #fail(reason: string): void {
    clearTimeout(this.#idleTimer);
    this.#error = reason;
    this.#setState('failed');
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#inFlight === 0 && this.#state === 'warmed') void this.stop();
    }, this.#options.idleTtlMs);
    this.#idleTimer.unref();
  }

  #setState(state: PoolState): void {
    this.#state = state;
    this.#since = Date.now();
    this.#options.onChange?.(this);
  }
}
