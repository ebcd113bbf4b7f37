/** A pool's lifecycle: cold → warming → warmed → (idle TTL) → cold; failed keeps its error. */
export type PoolState = 'cold' | 'warming' | 'warmed' | 'failed';

export interface PoolStatus {
  model: string;
  /** Canonical GPU spec. */
  gpu: string;
  kind: 'local' | 'upstream';
  state: PoolState;
  /** When the pool entered `state`, ms since the epoch. */
  since: number;
  /** Last call or warm-up, ms since the epoch; null if never used. */
  lastUsed: number | null;
  /** Where inference runs: "cpu", "cuda", "vulkan", "metal" for local workers; "remote" for upstreams. */
  device: string;
  /** "test-model" (the generated GGUF), a GGUF path, or "remote". */
  weights: string;
  error?: string;
}
