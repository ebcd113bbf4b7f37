import { GatewayError } from '../errors/gateway-error.js';
import type { PoolKey, PoolRecord, PoolSnapshot } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { ClaimLease } from './claim-lease.js';
import { IdleTimer } from './idle-timer.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';
import { unsharedPool, type PoolSharing } from './pool-sharing.js';
import { PoolStart } from './pool-start.js';
import type { PoolState, PoolStatus } from './pool-status.js';
import { PoolView } from './pool-view.js';
import { RecordFollower } from './record-follower.js';
import type { WorkerSlot } from './worker-admission.js';

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
  /** Told when the last call in flight ends: an idle pool may be evicted for another. */
  onIdle?: () => void;
}

/**
 * One (model, gpu) pool and its lifecycle. Every concurrent warm-up and call shares a
 * single start; a warm pool goes cold after its idle TTL; a start or endpoint that fails
 * leaves the pool `failed` with the error, and the next warm-up or call starts it again.
 *
 * Across replicas (a shared store), a start first takes the pool's claim; without it
 * the pool follows the replica that holds it and uses what that one warmed. What status
 * reports is this replica's view (`PoolView`); other replicas' changes arrive through
 * `applyShared` and are shown by the `RecordFollower`.
 */
export class Pool {
  readonly model: string;
  readonly gpu: string;
  readonly launcher: PoolLauncher;
  readonly #options: PoolOptions;
  readonly #sharing: PoolSharing;
  readonly #key: PoolKey;
  readonly #view: PoolView;
  readonly #idle: IdleTimer;
  readonly #follower: RecordFollower;
  #running: LaunchedPool | undefined;
  #starting: Promise<EndpointGroup> | undefined;
  /** The start under way, while `#starting` is pending. */
  #startup: PoolStart | undefined;
  /** This replica's claim: held while it starts the pool, and while its local worker runs. */
  #lease: ClaimLease | undefined;
  /** A local pool's worker slot and devices, from its start until its process has ended. */
  #slot: WorkerSlot | undefined;
  #inFlight = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    const { model, gpu, launcher } = options;
    this.model = model;
    this.gpu = gpu;
    this.launcher = launcher;
    this.#options = options;
    const sharing = (this.#sharing = options.sharing ?? unsharedPool());
    const key = (this.#key = { model, gpu, ...(launcher.kind === 'local' && sharing.host && { host: sharing.host }) });
    const view = (this.#view = new PoolView({
      key,
      launcher,
      sharing,
      onChange: () => options.onChange?.(this),
      holding: () => ({ endpoint: launcher.kind === 'local' ? this.#running?.group.endpoints[0]?.baseUrl : undefined, claim: this.#lease?.token }),
    }));
    const idle = (this.#idle = new IdleTimer({
      ttlMs: options.idleTtlMs,
      store: sharing.store,
      key,
      lastUsed: () => view.lastUsed,
      idle: () => this.#inFlight === 0 && view.state === 'warmed',
      heldElsewhere: () => this.#follower.borrowed !== undefined,
      expire: () => this.stop(),
    }));
    this.#follower = new RecordFollower({ launcher, sharing, view, idle, rewarm: options.rewarm ?? (() => this.warm()) });
  }

  /** The store key: (model, gpu), and the host for local pools. */
  get key(): PoolKey {
    return this.#key;
  }

  get state(): PoolState {
    return this.#view.state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get lastUsed(): number | null {
    return this.#view.lastUsed;
  }

  /** Started or starting: it holds (or will hold) a worker. */
  get live(): boolean {
    return this.#running !== undefined || this.#starting !== undefined;
  }

  /** The devices its worker holds (empty on a CPU host); undefined while it holds no worker slot. */
  get devices(): WorkerSlot['devices'] | undefined {
    return this.#slot?.devices;
  }

  /** Warm on another replica's worker: calling it starts nothing here. */
  get remote(): boolean {
    return this.#follower.borrowed !== undefined && this.#view.state === 'warmed';
  }

  status(): PoolStatus {
    return this.#view.status();
  }

  /**
   * The endpoints once warm; starts the pool unless a start is already under way. A
   * local pool starts with the worker slot (and devices) it was admitted with; a slot
   * it does not need is given back.
   */
  warm(slot?: WorkerSlot): Promise<EndpointGroup> {
    this.#view.use();
    if (this.#running || this.remote || this.#starting) slot?.release();
    if (this.#running) return Promise.resolve(this.#running.group);
    if (this.remote) return Promise.resolve(this.#follower.borrowed!);
    if (!this.#starting) {
      this.#slot = slot;
      this.#starting = this.#start();
    }
    return this.#starting.then((group) => group);
  }

  /** Counts a call in flight until the returned function is called. */
  begin(): () => void {
    this.#inFlight++;
    this.#view.use();
    this.#idle.clear();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#view.use();
      if (this.#inFlight === 0) {
        this.#idle.arm();
        this.#options.onIdle?.();
      }
    };
  }

  /** An upstream answered a call: it is evidently serving, whether or not it was warmed. */
  noteServed(): void {
    if (this.#view.state !== 'warmed') {
      this.#view.enter('warmed', { share: this.launcher.kind === 'upstream' });
      this.#idle.arm();
    }
  }

  async stop(): Promise<void> {
    this.#idle.clear();
    const running = this.#running;
    this.#running = undefined;
    // Only what this replica runs is this replica's to declare cold; a borrowed worker is not.
    const owned = running !== undefined || this.#lease !== undefined || (this.launcher.kind === 'upstream' && !this.#closed);
    this.#follower.drop();
    if (this.#view.state !== 'cold') this.#view.enter('cold', { share: owned });
    await this.#releaseLease();
    await running?.stop();
    if (running) this.#releaseSlot();
  }

  /**
   * Shutdown: stops a local worker (and says so), gives up a warm-up this replica holds
   * so others need not wait for the claim TTL, and leaves a warm upstream warm for them.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.clear();
    if (this.launcher.kind === 'local' || this.#lease) await this.stop();
    this.#startup?.abort(new Error('the gateway is shutting down'));
    await this.#view.written();
  }

  /**
   * Another replica wrote this pool's record (a change event or a periodic read). Shown
   * as this replica's view unless this replica runs the pool itself; never written back.
   */
  applyShared(snapshot: PoolSnapshot & { record: PoolRecord }): void {
    const { record } = snapshot;
    if (record.kind !== this.launcher.kind) return;
    // Calls through any replica count as use: for the idle TTL and for eviction order.
    this.#view.heard(record.lastUsed);
    if (record.replica === this.#sharing.replica) return;
    if (this.#startup) return this.#startup.heard(); // the start reads the record itself
    if (this.#running || this.#lease || record.since < this.#view.seen) return;
    this.#follower.show(snapshot);
  }

  async #start(): Promise<EndpointGroup> {
    this.#view.error = undefined;
    this.#view.enter('warming', { share: false });
    const startup = (this.#startup = new PoolStart({
      key: this.#key,
      launcher: this.launcher,
      sharing: this.#sharing,
      follower: this.#follower,
      timeoutMs: this.#options.timeoutMs,
      devices: this.#slot?.devices ?? [],
      events: {
        downloading: (progress) => this.#view.downloading(progress, { share: this.#lease !== undefined }),
        downloaded: () => this.#view.enter('warming', { share: this.#lease !== undefined }),
      },
      onClaimed: (lease) => {
        this.#lease = lease;
        this.#view.enter('warming', { share: true });
      },
      onClaimLost: () => (this.#lease = undefined),
    }));
    try {
      const outcome = await startup.run();
      if (outcome.kind === 'followed') {
        this.#releaseSlot();
        return outcome.group;
      }
      const { launched } = outcome;
      this.#running = launched;
      this.#view.device = launched.device;
      this.#view.enter('warmed', { share: true });
      // Other replicas see `warmed` before anyone here is told; an upstream's claim only
      // covered the probing, a local worker's lasts as long as the worker.
      await this.#view.written();
      if (this.#running !== launched) throw new Error('it was stopped (evicted, or the gateway is shutting down) as it became warm');
      if (this.launcher.kind === 'upstream') await this.#releaseLease();
      this.#idle.arm();
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
      this.#starting = undefined;
      this.#startup = undefined;
    }
  }

  /** Failed here; shared only if this replica holds the claim (else the holder speaks). */
  #fail(reason: string): void {
    this.#releaseSlot();
    this.#idle.clear();
    this.#view.error = reason;
    this.#view.enter('failed', { share: this.#lease !== undefined });
    void this.#releaseLease();
  }

  /** The worker process has ended (or never started): its slot and devices are free. */
  #releaseSlot(): void {
    const slot = this.#slot;
    this.#slot = undefined;
    slot?.release();
  }

  async #releaseLease(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    if (!lease) return;
    // The last state written under the claim lands first: a follower that then finds
    // the claim gone also finds how the start ended.
    await this.#view.written();
    await lease.release();
  }
}
