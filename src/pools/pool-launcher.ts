import type { Device } from '../devices/discover-devices.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { PullProgress } from './pull-weights.js';

/** A pool that is serving: where to send calls, and how to stop it. */
export interface LaunchedPool {
  group: EndpointGroup;
  device: string;
  /** Resolves when the endpoint dies on its own (a worker process exiting). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** What a launch tells its pool before the start proper (issue 15 §3). */
export interface LaunchEvents {
  /** The weights are downloading (workers.pull); called again with each progress report. */
  downloading(progress: PullProgress): void;
  /** The download is done (or nothing had to be downloaded after all): the start proper begins. */
  downloaded(): void;
}

/**
 * How a pool kind becomes warm. Local pools spawn a worker; upstream pools probe an
 * endpoint someone else runs. Either way the result is an endpoint group: one data path.
 */
export interface PoolLauncher {
  readonly kind: 'local' | 'upstream';
  /** What the status reports before the pool has ever started. */
  readonly device: string;
  readonly weights: string;
  /**
   * Upstream pools: the endpoints from config. Every replica can call them, so once one
   * replica has warmed the pool the others use this group without probing again.
   */
  readonly configured?: EndpointGroup;
  /**
   * Must give up (reject) when `signal` aborts. `devices`: what a local worker may use
   * (empty on a host without GPUs, and for upstreams). `events`: only a launcher that
   * downloads weights first calls them.
   */
  launch(signal: AbortSignal, devices: readonly Device[], events?: LaunchEvents): Promise<LaunchedPool>;
}
