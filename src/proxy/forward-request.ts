import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import { errorBody } from '../http/error-body.js';
import { sendError } from './error-response.js';
import { forwardedRequestHeaders } from './forwarded-headers.js';
import { pathOf } from './proxy-prefix.js';
import { relayBody } from './relay-body.js';
import { clientResponseHeaders, isEventStream } from './response-headers.js';
import { toTargetError, type TargetDescription } from './target-failure.js';

export interface ForwardContext {
  pool: Pool;
  target: TargetDescription;
  /** Path of the target URL, prepended to the client's path (`''` for a bare origin). */
  basePath: string;
  logger: Logger;
}

/** A request has a body when it says so (RFC 9112 §6.3); GET and HEAD usually do not. */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Sends one client request to the target and its answer back. The path and query go
 * exactly as received (model ids contain `/`, and the target decides what a path means),
 * with the method, the end-to-end headers and the body bytes, streamed both ways.
 */
export async function forwardRequest(ctx: ForwardContext, request: IncomingMessage, response: ServerResponse, ownHeaders: OutgoingHttpHeaders): Promise<void> {
  // The client leaving (before the answer is complete) cancels the call to the target.
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });

  let answer;
  try {
    answer = await ctx.pool.request({
      path: ctx.basePath + request.url,
      method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: forwardedRequestHeaders(request),
      // The IncomingMessage itself: undici reads it as it arrives, nothing is buffered.
      body: hasBody(request) ? request : null,
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) return;
    const failure = toTargetError(error, ctx.target);
    ctx.logger.warn({ code: failure.code, path: pathOf(request.url) }, failure.message);
    return sendError(response, failure, ownHeaders);
  }

  const eventStream = isEventStream(answer.headers);
  // Set one by one rather than passed to writeHead, so that they stay readable (getHeader) for the request log.
  for (const [name, value] of Object.entries(clientResponseHeaders(answer.headers, ownHeaders))) if (value !== undefined) response.setHeader(name, value);
  response.writeHead(answer.statusCode);
  // Streams are read as they are produced: the client should see the status now,
  // not with the first event, which may be a model warm-up away.
  if (eventStream) response.flushHeaders();
  try {
    await relayBody(answer.body, response, {
      eventStream,
      signal: controller.signal,
      describeFailure: (error) => errorBody(toTargetError(error, ctx.target)),
    });
  } catch (error) {
    const failure = toTargetError(error, ctx.target);
    ctx.logger.warn({ code: failure.code, path: pathOf(request.url) }, `response cut short: ${failure.message}`);
  }
}
