import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The one error type that crosses layers. `message` says what was wrong and what to
 * do instead; `param` names the field, header or query parameter at fault.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  /** Facts for the log that the caller must not see, such as an upstream's URL (issue 14 §9). */
  logFields: Record<string, unknown> | undefined;
  /** Seconds the caller should wait before retrying: sent as `Retry-After`. */
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, param: string | null = null, options: { retryAfterS?: number } = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.param = param;
    this.retryAfterS = options.retryAfterS;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get type(): string {
    return ERROR_CODES[this.code].type;
  }
}
