import { GatewayError } from '../errors/gateway-error.js';

// Failures raised while opening the connection: nothing reached the upstream, so the
// request can safely go to another endpoint (issue 2 §5).
const BEFORE_FIRST_BYTE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET_CLOSED_BEFORE_SEND',
]);

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function failedBeforeFirstByte(error: unknown): boolean {
  return BEFORE_FIRST_BYTE.has(codeOf(error));
}

/** Turns an undici or socket error into the gateway error a client should see. */
export function toUpstreamError(error: unknown, endpoint: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = codeOf(error);
  const reason = (error as Error | null)?.message ?? String(error);
  if (TIMEOUTS.has(code)) {
    return new GatewayError('upstream_timeout', `Upstream ${endpoint} did not answer in time (${code}: ${reason}). Retry later, or raise upstream.timeout_ms.`);
  }
  return new GatewayError('upstream_error', `Upstream ${endpoint} failed: ${code ? `${code}: ` : ''}${reason}`);
}
