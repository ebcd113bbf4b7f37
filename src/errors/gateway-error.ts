import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The one error type that crosses layers. `message` says what was wrong and what to
 * do instead; `param` names the field, header or query parameter at fault.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;

  constructor(code: ErrorCode, message: string, param: string | null = null) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.param = param;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get type(): string {
    return ERROR_CODES[this.code].type;
  }
}
