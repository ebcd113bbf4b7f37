import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { toUpstreamError, upstreamFailure, type EndpointName } from '../upstream/upstream-failure.js';
import type { UpstreamAnswer } from '../upstream/upstream-answer.js';
import { errorBody } from '../http/error-body.js';
import './routed-reply.js';
import { stampEventStream, stampJson, type Stamp } from './shape-response.js';

const SNIPPET = 300;

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat || '(empty body)';
}

async function readText(response: UpstreamAnswer, endpoint: EndpointName): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw toUpstreamError(error, endpoint);
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function upstreamMessage(text: string): string {
  const upstream = parseObject(text);
  const inner = upstream?.error as { message?: unknown } | undefined;
  for (const candidate of [inner?.message, upstream?.message, upstream?.detail]) {
    if (typeof candidate === 'string' && candidate) return candidate;
  }
  return snippet(text);
}

/**
 * An upstream 4xx is the caller's problem: keep its status and message, in our shape.
 * 401/403 are the exception: the upstream refused the gateway's own credentials, which
 * the caller cannot fix, so they become a 502 that points at api_key_env. A 429 (every
 * endpoint free to try was tried) keeps the upstream's Retry-After, typed as OpenAI
 * types rate limits (issue 14 §10).
 */
function relayClientError(reply: FastifyReply, answer: UpstreamAnswer, text: string, endpoint: EndpointName) {
  const status = answer.statusCode;
  const message = upstreamMessage(text);
  // Counted once: the thrown upstream_error by the error hook, the rest from here.
  if (status === 401 || status === 403) {
    throw upstreamFailure('upstream_error', `Upstream ${endpoint.label} refused the gateway's credentials (${status}: ${message}). Check the pool's api_key_env.`, { endpoint });
  }
  if (reply.routed) reply.routed.upstreamError = status === 429 ? 'rate_limited' : 'upstream_rejected';
  if (status === 429) {
    const retryAfter = answer.headers['retry-after'];
    if (typeof retryAfter === 'string') reply.header('retry-after', retryAfter);
    throw new GatewayError('rate_limited', `Upstream ${endpoint.label} is rate-limiting calls (429: ${message}). Retry${typeof retryAfter === 'string' ? ` after the Retry-After (${retryAfter})` : ' later'}.`);
  }
  return reply.code(status).send({ detail: message, error: { message, type: 'invalid_request_error', param: null, code: 'upstream_rejected' } });
}

/** A call the upstream has answered, as the relay needs it. */
export interface RelayedCall {
  response: UpstreamAnswer;
  /** Named in errors by its label ("endpoint 2 of the L40S pool"); its URL goes to the log only. */
  endpoint: EndpointName;
  /** performance.now() when the gateway began waiting on the pool (a cold start counts as waiting). */
  waitStartedAt: number;
}

/**
 * Gateway overhead = time so far minus time spent waiting on the upstream (issue 4 §4),
 * sent as X-Gateway-Overhead-Ms and kept for the /metrics histogram. For streams it covers
 * the gateway's work up to the first byte.
 */
function markOverhead(reply: FastifyReply, waitStartedAt: number): void {
  const overhead = Math.max(0, reply.elapsedTime - (performance.now() - waitStartedAt));
  if (reply.routed) reply.routed.overheadMs = overhead;
  reply.header('x-gateway-overhead-ms', overhead.toFixed(3));
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes the stamped events straight to the socket, each as soon as it is ready, waiting
 * for the client while its buffers are full. The reply is hijacked from Fastify (which
 * still runs the onResponse hook when the response ends): a Readable per stream, piped,
 * cost first-byte time and memory for every open stream (issue 4).
 */
async function writeEventStream(reply: FastifyReply, events: AsyncGenerator<string | Buffer>): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  for await (const event of events) {
    if (res.destroyed) break;
    if (!res.write(event)) await drainedOrClosed(res);
  }
  res.end();
}

/**
 * Sends the upstream's answer to the client: JSON stamped with the selected GPU and the
 * requested model, SSE stamped chunk by chunk, upstream 5xx or garbage as a 502.
 */
export async function relayUpstream(reply: FastifyReply, call: RelayedCall, stamp: Stamp) {
  const { response, endpoint } = call;
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '');
  if (status >= 200 && status < 300 && contentType.includes('text/event-stream')) {
    const describeFailure = (error: unknown) => {
      const failure = toUpstreamError(error, endpoint);
      if (reply.routed) reply.routed.upstreamError = failure.code;
      reply.log.warn({ code: failure.code, ...failure.logFields }, failure.message);
      return errorBody(failure);
    };
    const onFirstChunk = () => {
      if (reply.routed) reply.routed.firstByteMs = reply.elapsedTime;
    };
    markOverhead(reply, call.waitStartedAt);
    reply.code(status).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
    return writeEventStream(reply, stampEventStream(response.body, stamp, { describeFailure, onFirstChunk, maxEventBytes: response.limits.eventBytes }));
  }
  const text = await readText(response, endpoint);
  markOverhead(reply, call.waitStartedAt);
  if (status >= 400 && status < 500) return relayClientError(reply, response, text, endpoint);
  if (status < 200 || status >= 300) {
    throw upstreamFailure('upstream_error', `Upstream ${endpoint.label} answered ${status}: ${snippet(text)}`, { endpoint });
  }
  const stamped = stampJson(text, stamp);
  if (stamped === undefined) {
    throw upstreamFailure('upstream_error', `Upstream ${endpoint.label} answered ${status} with a body that is not a JSON object: ${snippet(text)}`, { endpoint });
  }
  return reply.code(status).type('application/json; charset=utf-8').send(stamped);
}
