import { randomUUID } from 'node:crypto';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { PoolStateStore } from '../state/pool-state-store.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';

/** How a pool shares its state with other replicas (issue 5 §2). */
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

/** This process only: a store nobody else reads, so there is never another replica's worker to borrow. */
export function unsharedPool(): PoolSharing {
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
