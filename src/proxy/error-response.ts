import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/gateway-error.js';
import { errorBody } from '../http/error-body.js';

/**
 * Answers with the error shape every gpuroute server uses (`detail` plus an OpenAI
 * `error` object), keeping headers already chosen for this response (CORS).
 * Once headers are out there is no status left to change, so the connection is cut.
 */
export function sendError(response: ServerResponse, error: GatewayError, headers: OutgoingHttpHeaders): void {
  if (response.headersSent) return void response.destroy();
  const body = JSON.stringify(errorBody(error));
  response.writeHead(error.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
