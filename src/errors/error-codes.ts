/**
 * Every error code the gateway can answer with, and the one HTTP status and OpenAI
 * error type that goes with each. `api/` shapes the body from this table alone, so a
 * code means the same status on every route (STYLE.md §3).
 * @see docs/api.md "Errors" — keep the two in step (tests/unit/error-codes.test.ts).
 */
export const ERROR_CODES = {
  invalid_api_key: { status: 401, type: 'authentication_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_gpu_spec: { status: 400, type: 'invalid_request_error' },
  unsupported_gpu: { status: 400, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  route_not_found: { status: 404, type: 'invalid_request_error' },
  /** nginx's 499: logged and counted, never seen by the client, who has gone. */
  client_closed: { status: 499, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  upstream_error: { status: 502, type: 'api_error' },
  upstream_too_large: { status: 502, type: 'api_error' },
  warmup_failed: { status: 502, type: 'api_error' },
  no_pool: { status: 503, type: 'api_error' },
  /** Nothing on this host can serve the spec now (no such devices, or the waiting line is full or timed out). */
  no_capacity: { status: 503, type: 'api_error' },
  /** The model's memory estimate exceeds what the devices a local pool would get offer. */
  insufficient_memory: { status: 400, type: 'invalid_request_error' },
  not_ready: { status: 503, type: 'api_error' },
  shutting_down: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
