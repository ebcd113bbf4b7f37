import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * The error shape on every route: the existing service's FastAPI `detail`, plus an
 * OpenAI `error` object so that OpenAI SDKs show the same message.
 */
export interface ErrorBody {
  detail: string;
  error: { message: string; type: string; param: string | null; code: string };
}

export function errorBody(error: GatewayError): ErrorBody {
  return {
    detail: error.message,
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Maps Fastify's own errors (parsing, limits) and anything unexpected onto our codes. */
export function toGatewayError(error: unknown, bodyLimit: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const { statusCode = 500, code = '', message = '' } = (error ?? {}) as FastifyLikeError;
  if (statusCode === 413) {
    return new GatewayError('body_too_large', `Request body is larger than ${bodyLimit} bytes; send less, or raise limits.body_bytes in the config.`);
  }
  if (statusCode === 415) {
    return new GatewayError('unsupported_media_type', `${message}. Send the body as JSON with Content-Type: application/json.`);
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
    return new GatewayError('invalid_json', `Request body is not valid JSON: ${message}. Send one JSON object, e.g. {"model": "Qwen/Qwen3-0.6B", "messages": [{"role": "user", "content": "hi"}]}.`, 'body');
  }
  if (statusCode >= 400 && statusCode < 500) return new GatewayError('invalid_request', message || 'The request is malformed.');
  return new GatewayError('internal_error', 'The gateway failed while handling this request; it has been logged. Retry, and report it if it persists.');
}

/**
 * Every error a server of ours sends has the shape above. Upstream failures are
 * operational events and logged as warnings; only our own faults need a stack.
 */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error, request, reply) => {
    const gatewayError = toGatewayError(error, bodyLimit);
    if (gatewayError.code === 'internal_error') request.log.error({ err: error }, 'request failed');
    else if (gatewayError.status >= 500) request.log.warn({ code: gatewayError.code, ...gatewayError.logFields }, gatewayError.message);
    if (gatewayError.retryAfterS !== undefined) void reply.header('retry-after', String(gatewayError.retryAfterS));
    return reply.code(gatewayError.status).send(errorBody(gatewayError));
  });
}

/** What Node's HTTP parser refused, as one of our errors. */
/** Which limits a slow request ran into, as this server's operator would set them. */
const GATEWAY_TIMEOUTS = 'limits.header_timeout_ms for the headers, limits.request_timeout_ms for all of it';

function connectionError(error: { code?: string }, timeouts: string): GatewayError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError('request_timeout', `The request was not sent in full in time (${timeouts}); send it at once.`);
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new GatewayError('headers_too_large', 'The request headers are larger than the server accepts (16 KB in all); send fewer or shorter headers.');
  }
  return new GatewayError('invalid_request', `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}); check the request line, the headers and Content-Length.`);
}

/**
 * The answer to a request Node could not parse (Fastify's `clientErrorHandler`, the edge
 * proxy's `clientError`): no request exists yet, so this writes to the socket, in the error shape of every other
 * answer (issue 14 §11). A reset connection has nobody to answer.
 */
export function answerClientError(error: { code?: string }, socket: Socket, timeouts = GATEWAY_TIMEOUTS): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refusal = connectionError(error, timeouts);
  const body = JSON.stringify(errorBody(refusal));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
