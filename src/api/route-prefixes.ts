/**
 * Real clients call the same routes under each of these (ARCHITECTURE.md "Contracts"):
 * OpenAI SDKs with base URL `…/v1`, the spec's tests at `/`, the Render proxy at `/api`.
 */
export const OPENAI_PREFIXES = ['', '/v1', '/api', '/api/v1'] as const;

/** Routes whose own path already starts with `v1/` (the capabilities API). */
export const SERVICE_PREFIXES = ['', '/api'] as const;

/** The warm-up API, as the spec's service and its Render proxy serve it. */
export const WARMUP_PREFIXES = ['', '/api', '/api/v1'] as const;
