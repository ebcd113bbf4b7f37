import type { PoolRecord, PoolSnapshot } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { IdleTimer } from './idle-timer.js';
import type { PoolLauncher } from './pool-launcher.js';
import type { PoolSharing } from './pool-sharing.js';
import type { PoolView } from './pool-view.js';

export interface RecordFollowerOptions {
  launcher: PoolLauncher;
  sharing: PoolSharing;
  view: PoolView;
  idle: IdleTimer;
  /** Warms the pool again once a borrowed worker is found gone. */
  rewarm(): Promise<EndpointGroup>;
}

/**
 * Shows other replicas' records of one pool on this replica, and calls what they warmed:
 * an upstream through the configured endpoints, a local worker on this machine through
 * its loopback address (borrowed). A borrowed worker that refuses connections is
 * remembered as dead, so its stale record is never borrowed again.
 */
export class RecordFollower {
  readonly #options: RecordFollowerOptions;
  /** Another replica's worker that this (local) pool sends to. */
  #borrowed: { group: EndpointGroup; endpoint: string; since: number } | undefined;
  /** A borrowed worker that refused connections: that record is not used again. */
  #dead: { endpoint: string; since: number } | undefined;

  constructor(options: RecordFollowerOptions) {
    this.#options = options;
  }

  /** The borrowed worker's endpoints, while this pool sends to another replica's worker. */
  get borrowed(): EndpointGroup | undefined {
    return this.#borrowed?.group;
  }

  /** Another replica's warm record this replica can call as it is. */
  usable(snapshot: PoolSnapshot): snapshot is PoolSnapshot & { record: PoolRecord } {
    const { launcher, sharing } = this.#options;
    const record = snapshot.record;
    if (!record || record.replica === sharing.replica || record.kind !== launcher.kind || record.state !== 'warmed') return false;
    if (launcher.kind === 'upstream') return launcher.configured !== undefined;
    return snapshot.holder !== undefined && this.#callable(record);
  }

  /**
   * Shows another replica's record here. A local pool warm elsewhere, or any warm-up,
   * whose claim is gone lost its replica: shown failed until someone starts it again.
   * Returns the endpoints to call when the record is warm and callable.
   */
  show({ record, holder }: PoolSnapshot & { record: PoolRecord }): EndpointGroup | undefined {
    const { launcher, view, idle } = this.#options;
    const starting = record.state === 'downloading' || record.state === 'warming';
    const orphaned = holder === undefined && (starting || (record.kind === 'local' && record.state === 'warmed'));
    let group: EndpointGroup | undefined;
    if (!orphaned && record.state === 'warmed') {
      group = launcher.kind === 'upstream' ? launcher.configured : this.#borrow(record);
    }
    if (!group) this.drop();
    const state = orphaned ? 'failed' : record.state;
    const error = orphaned
      ? `replica ${record.replica} was ${starting ? record.state : 'running'} this pool and stopped renewing its claim (state.claim_ttl_ms): it probably died; the next warm-up or call starts the pool again`
      : record.error;
    // News restarts the idle clock; a repeated record does not.
    if (view.adopt(record, { state, error })) {
      if (state === 'warmed' && !this.#borrowed) idle.arm();
      else idle.clear();
    }
    return group;
  }

  /** Stops sending to another replica's worker. */
  drop(): void {
    const borrowed = this.#borrowed;
    this.#borrowed = undefined;
    void borrowed?.group.close().catch(() => undefined);
  }

  /** A local worker's record that names a loopback endpoint not known to be dead. */
  #callable(record: PoolRecord): record is PoolRecord & { endpoint: string } {
    const { endpoint, since } = record;
    const dead = this.#dead !== undefined && endpoint === this.#dead.endpoint && since <= this.#dead.since;
    return endpoint !== undefined && !dead && this.#options.sharing.reachable(endpoint);
  }

  #borrow(record: PoolRecord): EndpointGroup | undefined {
    if (!this.#callable(record)) return undefined;
    const { endpoint, since } = record;
    if (this.#borrowed?.endpoint === endpoint) {
      this.#borrowed.since = since;
      return this.#borrowed.group;
    }
    this.drop();
    const group = this.#options.sharing.borrow(endpoint, (lost) => this.#lost(lost));
    this.#borrowed = { group, endpoint, since };
    return group;
  }

  /** A borrowed worker refused a connection: forget it and get warm again (here, or on a live replica). */
  #lost(lost: EndpointGroup): Promise<EndpointGroup> {
    if (this.#borrowed?.group === lost) {
      this.#dead = { endpoint: this.#borrowed.endpoint, since: this.#borrowed.since };
      this.drop();
      this.#options.view.enter('cold', { share: false });
    }
    return this.#options.rewarm();
  }
}
