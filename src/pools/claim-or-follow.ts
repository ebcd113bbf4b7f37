import { randomUUID } from 'node:crypto';
import type { PoolKey, PoolRecord, PoolSnapshot, PoolStateStore } from '../state/pool-state-store.js';
import { ClaimLease } from './claim-lease.js';

/** How often a replica that waits on another's warm-up looks again (it is also woken by change events). */
const FOLLOW_POLL_MS = 100;

export type ClaimOutcome =
  /** This replica starts the pool, under `lease`. */
  | { kind: 'claimed'; lease: ClaimLease }
  /** Another replica has it warm: use that. */
  | { kind: 'warmed'; record: PoolRecord };

export interface ClaimOptions {
  store: PoolStateStore;
  key: PoolKey;
  replica: string;
  ttlMs: number;
  /** Aborts at warmup.timeout_ms (or shutdown): the wait rejects with the reason. */
  signal: AbortSignal;
  /** Whether this replica can use a record as it is, without starting anything. */
  usable(snapshot: PoolSnapshot): snapshot is PoolSnapshot & { record: PoolRecord };
  /** Resolves after `ms`, or earlier when a change to the pool is heard. */
  nap(ms: number, signal: AbortSignal): Promise<void>;
  onClaimLost(): void;
}

/**
 * One start across replicas (issue 5 §2). Take the pool's claim and start it; or, while
 * another replica holds the claim, wait until its record says warmed (use it) or failed
 * (share its failure), or until the claim disappears because the holder died and its
 * TTL ran out (claim again). Bounded by `signal`.
 */
export async function claimOrFollow(options: ClaimOptions): Promise<ClaimOutcome> {
  const { store, key, signal } = options;
  /** The claim this replica waits on; its holder's failure is this wait's failure. */
  let followed: string | undefined;
  for (;;) {
    signal.throwIfAborted();
    const snapshot = await store.get(key);
    const settled = outcomeOf(snapshot, followed, options);
    if (settled) return settled;
    if (snapshot.holder) {
      // Follow another replica's warm-up. A claim over a warm local worker is not a
      // warm-up, and this replica's own (being released) is not another's.
      const warmUp = snapshot.record?.state !== 'warmed' && !snapshot.holder.startsWith(`${options.replica}/`);
      followed = warmUp ? snapshot.holder : undefined;
    } else {
      const token = `${options.replica}/${randomUUID()}`;
      if (await store.claim(key, token, options.ttlMs)) {
        const lease = new ClaimLease({ store, key, token, ttlMs: options.ttlMs, onLost: options.onClaimLost });
        // The holder we followed may have finished between our read and our claim.
        const after = await store.get(key).catch(() => ({ record: undefined, holder: token }));
        try {
          const late = outcomeOf(after, followed, options);
          if (late) {
            await lease.release();
            return late;
          }
        } catch (error) {
          await lease.release();
          throw error;
        }
        return { kind: 'claimed', lease };
      }
    }
    await options.nap(FOLLOW_POLL_MS, signal);
  }
}

/** A warm record to use, a followed holder's failure to throw, or undefined to go on. */
function outcomeOf(snapshot: PoolSnapshot, followed: string | undefined, options: ClaimOptions): ClaimOutcome | undefined {
  if (options.usable(snapshot)) return { kind: 'warmed', record: snapshot.record };
  const record = snapshot.record;
  if (followed && record?.state === 'failed' && record.claim === followed && record.replica !== options.replica) {
    throw new Error(`the warm-up on replica ${record.replica} failed: ${record.error ?? 'no reason given'}`);
  }
  return undefined;
}
