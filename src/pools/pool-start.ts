import type { PoolKey } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { Device } from '../devices/discover-devices.js';
import type { ClaimLease } from './claim-lease.js';
import { claimOrFollow } from './claim-or-follow.js';
import type { LaunchedPool, LaunchEvents, PoolLauncher } from './pool-launcher.js';
import type { PoolSharing } from './pool-sharing.js';
import type { RecordFollower } from './record-follower.js';
import { WakeableNaps } from './wakeable-naps.js';

export interface PoolStartOptions {
  key: PoolKey;
  launcher: PoolLauncher;
  sharing: PoolSharing;
  follower: RecordFollower;
  /** warmup.timeout_ms */
  timeoutMs: number;
  /** What a local worker may use: CUDA_VISIBLE_DEVICES (none on a CPU host). */
  devices: readonly Device[];
  /** A download of the weights before the launch proper (workers.pull). */
  events: LaunchEvents;
  /** This replica took the pool's claim, and launches the pool now. */
  onClaimed(lease: ClaimLease): void;
  /** A renewal found the claim gone: this replica was cut off for longer than its TTL. */
  onClaimLost(): void;
}

export type StartOutcome =
  /** Another replica has the pool warm: call these endpoints. */
  | { kind: 'followed'; group: EndpointGroup }
  /** This replica launched it. */
  | { kind: 'launched'; launched: LaunchedPool };

/**
 * One start of one pool, bounded by warmup.timeout_ms: take the pool's claim and launch
 * it, or follow the replica that holds the claim and use what it warmed. Rejects with
 * why it gave up: the bound, shutdown, or a launch (here or followed) that failed.
 * Downloading weights does not count against the bound (a real model takes minutes);
 * the pull's own connect and stall bounds keep it from hanging.
 */
export class PoolStart {
  readonly #options: PoolStartOptions;
  readonly #controller = new AbortController();
  /** A follower of another replica's warm-up looks again as soon as it hears of a change. */
  readonly #naps = new WakeableNaps();

  constructor(options: PoolStartOptions) {
    this.#options = options;
  }

  /** Another replica changed the pool's record. */
  heard(): void {
    this.#naps.wakeAll();
  }

  abort(reason: Error): void {
    this.#controller.abort(reason);
  }

  async run(): Promise<StartOutcome> {
    const { key, launcher, sharing, follower, timeoutMs, events } = this.#options;
    const signal = this.#controller.signal;
    const bound = () => setTimeout(() => this.abort(new Error(`not warm after ${timeoutMs} ms (warmup.timeout_ms)`)), timeoutMs);
    let timer = bound();
    const paused: LaunchEvents = {
      downloading: (progress) => {
        clearTimeout(timer);
        events.downloading(progress);
      },
      downloaded: () => {
        timer = bound();
        events.downloaded();
      },
    };
    try {
      const outcome = await claimOrFollow({
        store: sharing.store,
        key,
        replica: sharing.replica,
        ttlMs: sharing.claimTtlMs,
        signal,
        usable: (snapshot) => follower.usable(snapshot),
        nap: (ms, napSignal) => this.#naps.nap(ms, napSignal),
        onClaimLost: this.#options.onClaimLost,
      });
      if (outcome.kind === 'warmed') {
        const group = follower.show({ record: outcome.record, holder: outcome.record.claim });
        if (!group) throw new Error(`replica ${outcome.record.replica} has it warm at an endpoint this replica cannot call`);
        return { kind: 'followed', group };
      }
      this.#options.onClaimed(outcome.lease);
      return { kind: 'launched', launched: await launcher.launch(signal, this.#options.devices, paused) };
    } finally {
      clearTimeout(timer);
    }
  }
}
