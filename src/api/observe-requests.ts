import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { requestLineWriter } from './request-line.js';
import './routed-reply.js';

/** Failures that count against a pool rather than against the caller. */
const POOL_FAILURES = new Set(['upstream_error', 'upstream_timeout', 'upstream_too_large', 'warmup_failed', 'no_capacity', 'no_pool']);

/**
 * One place that watches every response: Prometheus series, and one log line per
 * request with its id, route, model, selected GPU, status, total and overhead ms
 * (issue 6 §3). Both hooks are callback-style: they run on every call, and an async
 * hook costs a promise and a microtask turn each time.
 */
export function observeRequests(app: FastifyInstance, metrics: GatewayMetrics, logger: Logger | false): void {
  const writeLine = logger ? requestLineWriter(logger) : undefined;
  app.decorateReply('routed', null);
  app.addHook('onError', (_request, _reply, error, done) => {
    if (error instanceof GatewayError && POOL_FAILURES.has(error.code)) metrics.upstreamErrors.inc({ kind: error.code });
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const routed = reply.routed;
    const model = routed?.model ?? 'none';
    const gpu = routed?.gpu ?? 'none';
    const status = reply.statusCode;
    const totalMs = reply.elapsedTime;
    metrics.requests.inc({ route, method: request.method, status, model, gpu });
    metrics.latency.observe({ route, model, gpu }, totalMs / 1000);
    if (routed?.overheadMs !== undefined) metrics.overhead.observe({ route }, routed.overheadMs / 1000);
    if (routed?.firstByteMs !== undefined) metrics.firstByte.observe({ model, gpu }, routed.firstByteMs / 1000);
    if (routed?.upstreamError) metrics.upstreamErrors.inc({ kind: routed.upstreamError });
    writeLine?.({ reqId: request.id, route, method: request.method, model: routed?.model, gpu: routed?.gpu, status, totalMs, overheadMs: routed?.overheadMs });
    done();
  });
}
