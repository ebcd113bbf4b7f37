import { GatewayError } from '../errors/gateway-error.js';

/** What the proxy knows about its target, for messages that say what to change. */
export interface TargetDescription {
  /** The target as given to --target, without a trailing slash. */
  url: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * An undici or socket error, as the error a client of the proxy should see. Timeouts
 * are 504 `upstream_timeout` (as the gateway answers its own upstream timeouts); any
 * other failure to reach or read the target is 502 `upstream_error`. The message names
 * the target and the flag to change, because the caller usually runs both.
 */
export function toTargetError(error: unknown, target: TargetDescription): GatewayError {
  const code = codeOf(error);
  const reason = (error as Error | null)?.message ?? String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new GatewayError('upstream_error', `Proxy target ${target.url} refused the connection (${reason}): is the gateway running there? Check --target.`);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatewayError('upstream_timeout', `Proxy target ${target.url} did not accept a connection within ${target.connectTimeoutMs} ms (${code}). Retry later, or raise --connect-timeout-ms.`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatewayError('upstream_timeout', `Proxy target ${target.url} sent no response headers within ${target.timeoutMs} ms (${code}). Retry later, or raise --timeout-ms.`);
    case 'UND_ERR_BODY_TIMEOUT':
      return new GatewayError('upstream_timeout', `Proxy target ${target.url} sent nothing for ${target.timeoutMs} ms in the middle of its response (${code}). Retry later, or raise --timeout-ms.`);
    default:
      return new GatewayError('upstream_error', `Proxy target ${target.url} failed: ${code ? `${code}: ` : ''}${reason}`);
  }
}
