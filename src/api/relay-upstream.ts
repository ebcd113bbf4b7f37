import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { toUpstreamError } from '../upstream/upstream-failure.js';
import { errorBody } from './error-body.js';
import { stampCompletion, stampEventStream, type Stamp } from './shape-response.js';

const SNIPPET = 300;

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat || '(empty body)';
}

async function readText(response: Dispatcher.ResponseData, endpoint: string): Promise<string> {
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

/** An upstream 4xx is the caller's problem: keep its status and message, in our shape. */
function relayClientError(reply: FastifyReply, status: number, text: string) {
  const upstream = parseObject(text);
  const inner = upstream?.error;
  const message =
    (inner && typeof inner === 'object' && typeof (inner as { message?: unknown }).message === 'string' && (inner as { message: string }).message) ||
    (typeof upstream?.message === 'string' && upstream.message) ||
    (typeof upstream?.detail === 'string' && upstream.detail) ||
    snippet(text);
  const error = inner && typeof inner === 'object' ? { type: 'invalid_request_error', param: null, code: null, ...inner, message } : { message, type: 'invalid_request_error', param: null, code: null };
  return reply.code(status).send({ detail: message, error });
}

/**
 * Sends the upstream's answer to the client: JSON stamped with the selected GPU and the
 * requested model, SSE stamped chunk by chunk, upstream 5xx or garbage as a 502.
 */
export async function relayUpstream(reply: FastifyReply, response: Dispatcher.ResponseData, endpoint: string, stamp: Stamp) {
  const status = response.statusCode;
  const contentType = String(response.headers['content-type'] ?? '');
  if (status >= 200 && status < 300 && contentType.includes('text/event-stream')) {
    const describeFailure = (error: unknown) => errorBody(toUpstreamError(error, endpoint));
    return reply
      .code(status)
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no')
      .send(Readable.from(stampEventStream(response.body, stamp, describeFailure), { objectMode: false }));
  }
  const text = await readText(response, endpoint);
  if (status >= 400 && status < 500) return relayClientError(reply, status, text);
  if (status < 200 || status >= 300) {
    throw new GatewayError('upstream_error', `Upstream ${endpoint} answered ${status}: ${snippet(text)}`);
  }
  const completion = parseObject(text);
  if (!completion) {
    throw new GatewayError('upstream_error', `Upstream ${endpoint} answered ${status} with a body that is not a JSON object: ${snippet(text)}`);
  }
  return reply.code(status).send(stampCompletion(completion, stamp));
}
