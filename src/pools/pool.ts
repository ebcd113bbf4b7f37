import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { PoolKey, PoolRecord, PoolSnapshot, PoolStateStore } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { ClaimLease } from './claim-lease.js';
import { claimOrFollow } from './claim-or-follow.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';
import type { PoolState, PoolStatus } from './pool-status.js';

/** Calls touch the shared lastUsed at most this often per pool. */
const TOUCH_EVERY_MS = 1_000;

/** How this pool shares its state with other replicas (issue 5 §2). */
export interface PoolSharing {
  store: PoolStateStore;
  /** This process's id in records and claims. */
  replica: string;
  /** Local pools: this machine, so that only replicas on it share the pool's loopback worker. */
  host: string;
  /** state.claim_ttl_ms */
  claimTtlMs: number;
  /** Whether this replica may call another replica's local worker at `endpoint` (from the store: checked, not trusted). */
  reachable(endpoint: string): boolean;
  /** A group to another replica's local worker; `onLost` runs when the worker turns out to be gone. */
  borrow(endpoint: string, onLost: (lost: EndpointGroup) => Promise<EndpointGroup>): EndpointGroup;
}

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
  /** @default this process only (a memory store) */
  sharing?: PoolSharing;
  /** Warms this pool again when a borrowed worker is gone (the manager makes room first). @default warm() */
  rewarm?: () => Promise<EndpointGroup>;
}

function unshared(): PoolSharing {
  return {
    store: new MemoryStateStore(),
    replica: randomUUID(),
    host: '',
    claimTtlMs: 15_000,
    reachable: () => false,
    borrow: () => {
      throw new Error('an unshared pool never borrows another replica\'s worker');
    },
  };
}

/**
 * One (model, gpu) pool and its lifecycle. Every concurrent warm-up and call shares a
 * single start; a warm pool goes cold after its idle TTL; a start or endpoint that fails
 * leaves the pool `failed` with the error, and the next warm-up or call starts it again.
 *
 * Across replicas (a shared store), a start first takes the pool's claim; without it
 * the pool follows the replica that holds it and uses what that one warmed. The fields
 * here are this replica's view, read synchronously on every call; every change this
 * replica makes is written to the store, and other replicas' changes arrive through
 * `applyShared`.
 */
export class Pool {
  readonly model: string;
  readonly gpu: string;
  readonly launcher: PoolLauncher;
  readonly #options: PoolOptions;
  readonly #sharing: PoolSharing;
  readonly #key: PoolKey;
  #state: PoolState = 'cold';
  #since = Date.now();
  #lastUsed: number | null = null;
  #error: string | undefined;
  #device: string;
  #running: LaunchedPool | undefined;
  #starting: Promise<EndpointGroup> | undefined;
  #startAbort: AbortController | undefined;
  /** This replica's claim: held while it starts the pool, and while its local worker runs. */
  #lease: ClaimLease | undefined;
  /** Another replica's worker that this (local) pool sends to. */
  #borrowed: { group: EndpointGroup; endpoint: string; since: number } | undefined;
  /** A borrowed worker that refused connections: that record is not used again. */
  #dead: { endpoint: string; since: number } | undefined;
  /** `since` of the newest shared state applied or written here; older records are stale news. */
  #seen = 0;
  #writes: Promise<void> = Promise.resolve();
  #touchedAt = 0;
  readonly #nappers = new Set<() => void>();
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PoolOptions) {
    this.model = options.model;
    this.gpu = options.gpu;
    this.launcher = options.launcher;
    this.#options = options;
    this.#sharing = options.sharing ?? unshared();
    this.#key = { model: options.model, gpu: options.gpu, ...(options.launcher.kind === 'local' && this.#sharing.host && { host: this.#sharing.host }) };
    this.#device = options.launcher.device;
  }

  /** The store key: (model, gpu), and the host for local pools. */
  get key(): PoolKey {
    return this.#key;
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

  /** Warm on another replica's worker: calling it starts nothing here. */
  get remote(): boolean {
    return this.#borrowed !== undefined && this.#state === 'warmed';
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
    this.#use();
    if (this.#running) return Promise.resolve(this.#running.group);
    if (this.remote) return Promise.resolve(this.#borrowed!.group);
    this.#starting ??= this.#start();
    return this.#starting.then((group) => group);
  }

  /** Counts a call in flight until the returned function is called. */
  begin(): () => void {
    this.#inFlight++;
    this.#use();
    clearTimeout(this.#idleTimer);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#use();
      if (this.#inFlight === 0) this.#armIdleTimer();
    };
  }

  /** An upstream answered a call: it is evidently serving, whether or not it was warmed. */
  noteServed(): void {
    if (this.#state !== 'warmed') {
      this.#setState('warmed', { share: this.launcher.kind === 'upstream' });
      this.#armIdleTimer();
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const running = this.#running;
    this.#running = undefined;
    // Only what this replica runs is this replica's to declare cold; a borrowed worker is not.
    const owned = running !== undefined || this.#lease !== undefined || (this.launcher.kind === 'upstream' && !this.#closed);
    this.#dropBorrowed();
    if (this.#state !== 'cold') this.#setState('cold', { share: owned });
    await this.#releaseLease();
    await running?.stop();
  }

  /**
   * Shutdown: stops a local worker (and says so), gives up a warm-up this replica holds
   * so others need not wait for the claim TTL, and leaves a warm upstream warm for them.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    if (this.launcher.kind === 'local' || this.#lease) await this.stop();
    this.#startAbort?.abort(new Error('the gateway is shutting down'));
    await this.#writes;
  }

  /**
   * Another replica wrote this pool's record (a change event or a periodic read). Shown
   * as this replica's view unless this replica runs the pool itself; never written back.
   */
  applyShared(snapshot: PoolSnapshot & { record: PoolRecord }): void {
    const { record } = snapshot;
    if (record.kind !== this.launcher.kind) return;
    // Calls through any replica count as use: for the idle TTL and for eviction order.
    if (record.lastUsed !== null && record.lastUsed > (this.#lastUsed ?? 0)) this.#lastUsed = record.lastUsed;
    if (record.replica === this.#sharing.replica) return;
    if (this.#starting) return this.#wake(); // the start reads the record itself
    if (this.#running || this.#lease || record.since < this.#seen) return;
    this.#view(snapshot);
  }

  async #start(): Promise<EndpointGroup> {
    this.#error = undefined;
    this.#setState('warming', { share: false });
    const { timeoutMs } = this.#options;
    const controller = new AbortController();
    this.#startAbort = controller;
    const timer = setTimeout(() => controller.abort(new Error(`not warm after ${timeoutMs} ms (warmup.timeout_ms)`)), timeoutMs);
    try {
      const outcome = await claimOrFollow({
        store: this.#sharing.store,
        key: this.#key,
        replica: this.#sharing.replica,
        ttlMs: this.#sharing.claimTtlMs,
        signal: controller.signal,
        usable: (snapshot) => this.#usable(snapshot),
        nap: (ms, signal) => this.#nap(ms, signal),
        onClaimLost: () => (this.#lease = undefined),
      });
      if (outcome.kind === 'warmed') {
        const group = this.#view({ record: outcome.record, holder: outcome.record.claim });
        if (!group) throw new Error(`replica ${outcome.record.replica} has it warm at an endpoint this replica cannot call`);
        return group;
      }
      this.#lease = outcome.lease;
      this.#setState('warming', { share: true });
      const launched = await this.launcher.launch(controller.signal);
      this.#running = launched;
      this.#device = launched.device;
      this.#setState('warmed', { share: true });
      // Other replicas see `warmed` before anyone here is told; an upstream's claim only
      // covered the probing, a local worker's lasts as long as the worker.
      await this.#writes;
      if (this.#running !== launched) throw new Error('it was stopped (evicted, or the gateway is shutting down) as it became warm');
      if (this.launcher.kind === 'upstream') await this.#releaseLease();
      this.#armIdleTimer();
      void launched.exited.then((reason) => {
        if (this.#running !== launched) return;
        this.#running = undefined;
        this.#fail(reason);
      });
      return launched.group;
    } catch (error) {
      // Launchers reject with the abort reason, or with what they saw going wrong.
      const reason = (error as Error).message;
      this.#fail(reason);
      throw new GatewayError('warmup_failed', `${this.model} on ${this.gpu} did not become warm: ${reason}`);
    } finally {
      clearTimeout(timer);
      this.#starting = undefined;
      this.#startAbort = undefined;
    }
  }

  /** Failed here; shared only if this replica holds the claim (else the holder speaks). */
  #fail(reason: string): void {
    clearTimeout(this.#idleTimer);
    this.#error = reason;
    this.#setState('failed', { share: this.#lease !== undefined });
    void this.#releaseLease();
  }

  /** Another replica's warm record this replica can call as it is. */
  #usable(snapshot: PoolSnapshot): snapshot is PoolSnapshot & { record: PoolRecord } {
    const record = snapshot.record;
    if (!record || record.replica === this.#sharing.replica || record.kind !== this.launcher.kind || record.state !== 'warmed') return false;
    if (this.launcher.kind === 'upstream') return this.launcher.configured !== undefined;
    const dead = this.#dead && record.endpoint === this.#dead.endpoint && record.since <= this.#dead.since;
    return snapshot.holder !== undefined && record.endpoint !== undefined && !dead && this.#sharing.reachable(record.endpoint);
  }

  /**
   * Shows another replica's record here. A local pool warm elsewhere, or any warm-up,
   * whose claim is gone lost its replica: shown failed until someone starts it again.
   * Returns the endpoints to call when the record is warm and callable.
   */
  #view({ record, holder }: PoolSnapshot & { record: PoolRecord }): EndpointGroup | undefined {
    const orphaned = holder === undefined && (record.state === 'warming' || (record.kind === 'local' && record.state === 'warmed'));
    let group: EndpointGroup | undefined;
    if (!orphaned && record.state === 'warmed') {
      group = this.launcher.kind === 'upstream' ? this.launcher.configured : this.#borrow(record);
    }
    if (!group) this.#dropBorrowed();
    this.#seen = record.since;
    this.#lastUsed = Math.max(this.#lastUsed ?? 0, record.lastUsed ?? 0) || null;
    this.#device = record.device;
    const state = orphaned ? 'failed' : record.state;
    // The periodic read repeats records: only a change is news (and restarts the idle clock).
    if (state === this.#state && record.since === this.#since) return group;
    this.#error = orphaned
      ? `replica ${record.replica} was ${record.state === 'warming' ? 'warming' : 'running'} this pool and stopped renewing its claim (state.claim_ttl_ms): it probably died; the next warm-up or call starts the pool again`
      : record.error;
    this.#state = state;
    this.#since = record.since;
    if (state === 'warmed' && !this.#borrowed) this.#armIdleTimer();
    else clearTimeout(this.#idleTimer);
    this.#options.onChange?.(this);
    return group;
  }

  #borrow(record: PoolRecord): EndpointGroup | undefined {
    const { endpoint, since } = record;
    if (!endpoint || (this.#dead?.endpoint === endpoint && since <= this.#dead.since) || !this.#sharing.reachable(endpoint)) return undefined;
    if (this.#borrowed?.endpoint === endpoint) {
      this.#borrowed.since = since;
      return this.#borrowed.group;
    }
    this.#dropBorrowed();
    const group = this.#sharing.borrow(endpoint, (lost) => this.#lost(lost));
    this.#borrowed = { group, endpoint, since };
    return group;
  }

  /** A borrowed worker refused a connection: forget it and get warm again (here, or on a live replica). */
  #lost(lost: EndpointGroup): Promise<EndpointGroup> {
    if (this.#borrowed?.group === lost) {
      this.#dead = { endpoint: this.#borrowed.endpoint, since: this.#borrowed.since };
      this.#dropBorrowed();
      this.#setState('cold', { share: false });
    }
    return this.#options.rewarm ? this.#options.rewarm() : this.warm();
  }

  #dropBorrowed(): void {
    const borrowed = this.#borrowed;
    this.#borrowed = undefined;
    void borrowed?.group.close().catch(() => undefined);
  }

  async #releaseLease(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    if (!lease) return;
    // The last state written under the claim lands first: a follower that then finds
    // the claim gone also finds how the start ended.
    await this.#writes;
    await lease.release();
  }

  #use(): void {
    const now = Date.now();
    this.#lastUsed = now;
    if (now - this.#touchedAt < TOUCH_EVERY_MS) return;
    this.#touchedAt = now;
    void this.#sharing.store.touch(this.#key, now).catch(() => undefined);
  }

  #nap(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#nappers.delete(done);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.#nappers.delete(done);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#nappers.add(done);
    });
  }

  #wake(): void {
    for (const done of [...this.#nappers]) done();
  }

  #armIdleTimer(delayMs = this.#options.idleTtlMs): void {
    clearTimeout(this.#idleTimer);
    if (this.#borrowed) return; // the replica that runs the worker decides when it goes cold
    this.#idleTimer = setTimeout(() => void this.#idleCheck().catch(() => undefined), delayMs);
    this.#idleTimer.unref();
  }

  /** Idle by every replica's calls: the shared lastUsed counts, not only this replica's. */
  async #idleCheck(): Promise<void> {
    if (this.#inFlight !== 0 || this.#state !== 'warmed' || this.#borrowed) return;
    if (this.#sharing.store.shared) {
      const { record } = await this.#sharing.store.get(this.#key);
      const left = Math.max(this.#lastUsed ?? 0, record?.lastUsed ?? 0) + this.#options.idleTtlMs - Date.now();
      if (left > 0) return this.#armIdleTimer(left);
      if (this.#inFlight !== 0 || this.#state !== 'warmed') return;
    }
    await this.stop();
  }

  #setState(state: PoolState, { share }: { share: boolean }): void {
    this.#state = state;
    this.#since = Date.now();
    if (share) this.#share();
    this.#options.onChange?.(this);
  }

  /** Writes this replica's state to the store, in order, errors absorbed by the store. */
  #share(): void {
    const endpoint = this.launcher.kind === 'local' && this.#state === 'warmed' ? this.#running?.group.endpoints[0]?.baseUrl : undefined;
    const record: PoolRecord = {
      ...this.#key,
      kind: this.launcher.kind,
      state: this.#state,
      since: this.#since,
      lastUsed: this.#lastUsed,
      device: this.#device,
      weights: this.launcher.weights,
      replica: this.#sharing.replica,
      ...(this.#error !== undefined && this.#state === 'failed' && { error: this.#error }),
      ...(endpoint && { endpoint }),
      ...(this.#lease && { claim: this.#lease.token }),
    };
    this.#seen = Math.max(this.#seen, record.since);
    const store = this.#sharing.store;
    this.#writes = this.#writes.then(() => store.put(record)).catch(() => undefined);
  }
}
