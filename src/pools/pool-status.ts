/**
 * A pool's lifecycle: cold → warming → warmed → (idle TTL) → cold; failed keeps its error.
 * Under workers.pull a local pool without weights goes downloading before warming.
 */
export type PoolState = 'cold' | 'downloading' | 'warming' | 'warmed' | 'failed';

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
  /** While `downloading` on this replica: bytes so far, the size (0 until known), and their ratio (0–1). */
  download?: { bytes: number; totalBytes: number; progress: number };
  error?: string;
}
