import { GatewayError } from '../errors/gateway-error.js';
import type { Pool } from './pool.js';

/**
 * Keeps live local workers under workers.max_live by evicting the least recently used
 * idle one; `workers_busy` when every worker is busy or starting. Returns a promise for
 * the new worker to wait on, resolved once the evicted one has stopped (a failed stop
 * has still ended the process: stopping waits for its exit), or undefined when there
 * was room already.
 */
export function makeRoom(pools: Iterable<Pool>, maxLive: number): Promise<void> | undefined {
  const live = [...pools].filter((p) => p.launcher.kind === 'local' && p.live);
  if (live.length < maxLive) return undefined;
  const idle = live.filter((p) => p.inFlight === 0 && p.state === 'warmed').sort((a, b) => (a.lastUsed ?? 0) - (b.lastUsed ?? 0));
  const victim = idle[0];
  if (!victim) {
    throw new GatewayError('workers_busy', `All ${maxLive} local workers are busy or starting (${live.map((p) => `${p.model} on ${p.gpu}`).join(', ')}). Retry shortly, or raise workers.max_live in the config.`);
  }
  return victim.stop().catch(() => undefined);
}
