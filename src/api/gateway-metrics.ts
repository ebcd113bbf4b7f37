import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolState, PoolStatus } from '../pools/pool-status.js';

const STATES: readonly PoolState[] = ['cold', 'downloading', 'warming', 'warmed', 'failed'];
// From 50 µs: the gateway's own work on a call is well under a millisecond (docs/benchmarks.md).
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Prometheus metrics of one gateway, in their own registry. Labels are bounded: routes
 * are route patterns, models are catalog ids (an unknown id never reaches a label), GPUs
 * are canonical specs from the allow-list.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'gpuroute_requests_total', help: 'HTTP requests by route pattern, status, model and selected GPU.', labelNames: ['route', 'method', 'status', 'model', 'gpu'], registers: [this.registry] });
  readonly latency = new Histogram({ name: 'gpuroute_request_duration_seconds', help: 'Total time per request, from arrival to the last byte sent.', labelNames: ['route', 'model', 'gpu'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly overhead = new Histogram({ name: 'gpuroute_gateway_overhead_seconds', help: 'Gateway overhead per routed call: total time minus time waiting on the pool (for streams, up to the first byte).', labelNames: ['route'], buckets: OVERHEAD_BUCKETS, registers: [this.registry] });
  readonly firstByte = new Histogram({ name: 'gpuroute_stream_first_byte_seconds', help: 'Streams: time from arrival to the first chunk sent to the client.', labelNames: ['model', 'gpu'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly upstreamErrors = new Counter({ name: 'gpuroute_upstream_errors_total', help: 'Failed calls to pools, by kind (upstream_error, upstream_timeout, upstream_too_large, upstream_rejected, rate_limited, warmup_failed, no_capacity, no_pool).', labelNames: ['kind'], registers: [this.registry] });
  readonly coldStarts = new Counter({ name: 'gpuroute_cold_starts_total', help: 'Pool starts (cold or failed → warming).', labelNames: ['model', 'gpu', 'kind'], registers: [this.registry] });
  readonly warmupDuration = new Histogram({ name: 'gpuroute_warmup_duration_seconds', help: 'Time from warming to warmed (or failed).', labelNames: ['model', 'gpu', 'outcome'], buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: [this.registry] });

  readonly queueWait = new Histogram({ name: 'gpuroute_queue_wait_seconds', help: 'Time a local pool start waited in line for a worker slot or devices (starts that got through).', buckets: LATENCY_BUCKETS, registers: [this.registry] });

  readonly #seen = new Map<string, { state: PoolState; since: number }>();

  /**
   * @param statuses every known pool, read at scrape time
   * @param waiting starts waiting in line now, read at scrape time
   * @param processMetrics prom-client's process metrics; their event-loop monitor samples
   *   every 10 ms for the life of the process, once started, so a gateway that lives
   *   briefly (serve's warm-up copy) goes without
   */
  constructor(statuses: () => readonly PoolStatus[], waiting: () => number = () => 0, { processMetrics = true } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'gpuroute_process_' });
    new Gauge({
      name: 'gpuroute_pool_state',
      help: 'One series per pool (model, gpu) and state; 1 for the state it is in.',
      labelNames: ['model', 'gpu', 'kind', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const status of statuses()) {
          for (const state of STATES) this.set({ model: status.model, gpu: status.gpu, kind: status.kind, state }, status.state === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'gpuroute_queue_depth',
      help: 'Local pool starts waiting in line for a worker slot or devices.',
      registers: [this.registry],
      collect() {
        this.set(waiting());
      },
    });
    new Gauge({
      name: 'gpuroute_live_workers',
      help: 'Local worker processes started or starting.',
      registers: [this.registry],
      collect() {
        this.set(statuses().filter((s) => s.kind === 'local' && (s.state === 'downloading' || s.state === 'warming' || s.state === 'warmed')).length);
      },
    });
  }

  /** Called on every pool state change: counts starts and times warm-ups. */
  poolChanged(status: PoolStatus): void {
    const key = `${status.model}\u0000${status.gpu}`;
    const previous = this.#seen.get(key);
    this.#seen.set(key, { state: status.state, since: status.since });
    const labels = { model: status.model, gpu: status.gpu };
    // A start goes warming, then (workers.pull) maybe downloading and warming again: one start.
    const starting = previous?.state === 'warming' || previous?.state === 'downloading';
    if (status.state === 'warming' && !starting) this.coldStarts.inc({ ...labels, kind: status.kind });
    if ((status.state === 'warmed' || status.state === 'failed') && previous?.state === 'warming') {
      this.warmupDuration.observe({ ...labels, outcome: status.state }, (status.since - previous.since) / 1000);
    }
  }
}
