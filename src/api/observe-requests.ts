import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { requestLineWriter } from './request-line.js';
import './routed-reply.js';

/** Failures that count against a pool rather than against the caller. */
const POOL_FAILURES = new Set(['upstream_error', 'upstream_timeout', 'upstream_too_large', 'warmup_failed', 'no_capacity', 'no_pool']);

/** Counts and logs one answered request. */
export type RecordResponse = (request: FastifyRequest, reply: FastifyReply, totalMs?: number) => void;

/**
 * One place that watches every response: Prometheus series, and one log line per
 * request with its id, route, model, selected GPU, status, total and overhead ms
 * (issue 6 §3); the returned function is for answers given before any hook runs.
 * Both hooks are callback-style: they run on every call, and an async
 * hook costs a promise and a microtask turn each time.
 */
export function observeRequests(app: FastifyInstance, metrics: GatewayMetrics, logger: Logger | false): RecordResponse {
  const writeLine = logger ? requestLineWriter(logger) : undefined;
  app.decorateReply('routed', null);
  app.addHook('onError', (_request, _reply, error, done) => {
    if (error instanceof GatewayError && POOL_FAILURES.has(error.code)) metrics.upstreamErrors.inc({ kind: error.code });
    done();
  });
  const record: RecordResponse = (request, reply, totalMs = reply.elapsedTime) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const routed = reply.routed;
    const model = routed?.model ?? 'none';
    const gpu = routed?.gpu ?? 'none';
    const status = reply.statusCode;
    metrics.requests.inc({ route, method: request.method, status, model, gpu });
    metrics.latency.observe({ route, model, gpu }, totalMs / 1000);
    if (routed?.overheadMs !== undefined) metrics.overhead.observe({ route }, routed.overheadMs / 1000);
    if (routed?.firstByteMs !== undefined) metrics.firstByte.observe({ model, gpu }, routed.firstByteMs / 1000);
    if (routed?.upstreamError) metrics.upstreamErrors.inc({ kind: routed.upstreamError });
    writeLine?.({ reqId: request.id, route, method: request.method, model: routed?.model, gpu: routed?.gpu, status, totalMs, overheadMs: routed?.overheadMs });
  };
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });
  return record;
}
