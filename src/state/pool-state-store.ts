/**
 * Pool state shared by gateway replicas (issue 5 §2): one record per (model, gpu), and a
 * warm-up claim per pool (a lock with a TTL) so that one start happens across replicas.
 * Kept free of pool logic: it stores what `pools/` tells it.
 */

/** The same lifecycle as `pools/pool-status.ts`; repeated so `state/` imports nothing above it. */
export type SharedPoolState = 'cold' | 'downloading' | 'warming' | 'warmed' | 'failed';

export interface PoolKey {
  /** The catalog's canonical model id. */
  model: string;
  /** Canonical GPU spec. */
  gpu: string;
  /**
   * Local pools only: the machine whose loopback the worker listens on. Replicas on one
   * machine share its local pools; replicas elsewhere keep their own.
   */
  host?: string;
}

export interface PoolRecord extends PoolKey {
  kind: 'local' | 'upstream';
  state: SharedPoolState;
  /** When the pool entered `state`, ms since the epoch. */
  since: number;
  /** Last call or warm-up on any replica, ms since the epoch; null if never used. */
  lastUsed: number | null;
  device: string;
  weights: string;
  error?: string;
  /** Base URL of the warm endpoint a replica started (local pools), e.g. http://127.0.0.1:PORT/v1. */
  endpoint?: string;
  /** Id of the replica that wrote this state. */
  replica: string;
  /** The claim token the writer held when it wrote this state, if any. */
  claim?: string;
}

/** A record as read, with whoever holds the pool's claim now. */
export interface PoolSnapshot {
  record: PoolRecord | undefined;
  /** Token of the live claim, undefined when nobody holds one. */
  holder: string | undefined;
}

export interface PoolStateStore {
  /** True when other processes may read and write the same records (Redis). */
  readonly shared: boolean;
  get(key: PoolKey): Promise<PoolSnapshot>;
  /** Writes the whole record and tells subscribers of other processes. */
  put(record: PoolRecord): Promise<void>;
  /** Moves `lastUsed` forward on an existing record (never back; no record, no write). */
  touch(key: PoolKey, at: number): Promise<void>;
  /** Every record, with its claim holder. */
  list(): Promise<Array<PoolSnapshot & { record: PoolRecord }>>;
  /** Takes the pool's claim for `ttlMs` unless someone holds it (SET NX PX). */
  claim(key: PoolKey, token: string, ttlMs: number): Promise<boolean>;
  /** Extends the claim if `token` still holds it; false when it was lost. */
  renewClaim(key: PoolKey, token: string, ttlMs: number): Promise<boolean>;
  /** Drops the claim if `token` holds it. */
  releaseClaim(key: PoolKey, token: string): Promise<void>;
  /** Calls `listener` with every record another process writes (best effort; poll `list` too). */
  onChange(listener: (record: PoolRecord) => void): void;
  close(): Promise<void>;
}

/** One string per pool, for keys and maps: `<model>@<gpu>`, then `@<host>` for a local pool. */
export function poolId(key: PoolKey): string {
  return `${key.model}@${key.gpu}${key.host ? `@${key.host}` : ''}`;
}
