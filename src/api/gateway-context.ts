import type { ModelCatalog } from '../catalog/model-catalog.js';
import type { Config } from '../config/config-schema.js';
import type { PoolManager } from '../pools/pool-manager.js';
import type { ServerDrain } from '../http/server-drain.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What the routes need, built once at start-up. */
export interface GatewayContext {
  config: Readonly<Config>;
  catalog: ModelCatalog;
  pools: PoolManager;
  /** Built by the composition root, which feeds it pool events. */
  metrics: GatewayMetrics;
  /** Says whether a shutdown has begun (`GET /health` answers 503 `draining` then). */
  drain: ServerDrain;
}
