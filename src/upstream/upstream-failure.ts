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

const TOO_LARGE = 'GPUROUTE_UPSTREAM_TOO_LARGE';

/** An answer passed one of the relay's bounds (`what` names it); toUpstreamError makes it `upstream_too_large`. */
export function tooLarge(what: string): Error {
  return Object.assign(new Error(what), { code: TOO_LARGE });
}

/**
 * An endpoint as callers hear of it (`label`, e.g. "endpoint 2 of the L40S pool") and as
 * the log has it (`baseUrl`). URLs stay out of answers: they name internal hosts, and
 * once carried credentials (issue 14 §9).
 */
export interface EndpointName {
  readonly label: string;
  readonly baseUrl: string;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function failedBeforeFirstByte(error: unknown): boolean {
  return BEFORE_FIRST_BYTE.has(codeOf(error));
}

/**
 * What of a failure the caller may read. Socket errors (`connect ECONNREFUSED
 * 10.0.0.5:8000`) and undici's connect timeout name the address, so only their code goes out.
 */
function safeReason(error: unknown, code: string): string {
  const message = (error as Error | null)?.message ?? String(error);
  if ((error as { syscall?: unknown } | null)?.syscall !== undefined || code === 'UND_ERR_CONNECT_TIMEOUT') return code;
  return code ? `${code}: ${message}` : message;
}

/** A gateway error for the caller, with the endpoint's URL and the full reason kept for the log. */
export function upstreamFailure(
  code: 'upstream_error' | 'upstream_timeout' | 'upstream_too_large',
  message: string,
  { endpoint, cause }: { endpoint: EndpointName; cause?: unknown },
): GatewayError {
  const failure = new GatewayError(code, message);
  failure.logFields = { upstream: endpoint.baseUrl, ...(cause !== undefined && { reason: (cause as Error | null)?.message ?? String(cause) }) };
  return failure;
}

/** Turns an undici or socket error into the gateway error a client should see. */
export function toUpstreamError(error: unknown, endpoint: EndpointName): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = codeOf(error);
  const reason = safeReason(error, code);
  if (code === TOO_LARGE) {
    return upstreamFailure('upstream_too_large', `Upstream ${endpoint.label} sent more than the gateway relays: ${(error as Error).message}. Ask for less (max_tokens, n), or raise the limit.`, { endpoint, cause: error });
  }
  if (TIMEOUTS.has(code)) {
    return upstreamFailure('upstream_timeout', `Upstream ${endpoint.label} did not answer in time (${reason}). Retry later, or raise upstream.timeout_ms.`, { endpoint, cause: error });
  }
  return upstreamFailure('upstream_error', `Upstream ${endpoint.label} failed: ${reason}`, { endpoint, cause: error });
}
