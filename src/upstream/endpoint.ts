import { Pool } from 'undici';
import { answerHandler, type AnswerLimits, type UpstreamAnswer } from './upstream-answer.js';
import type { EndpointName } from './upstream-failure.js';
import type { AnySignal } from './upstream-signal.js';

export interface EndpointOptions {
  connectTimeoutMs: number;
  /** Bound on the wait for response headers, and on each gap between body chunks. */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer …` on every request. */
  bearerToken?: string | undefined;
  /** What one answer may hold in memory: `limits.max_upstream_body_bytes` and `limits.max_event_bytes`. */
  limits: AnswerLimits;
}

export interface UpstreamRequest {
  /** Path below the endpoint's base URL, e.g. `/chat/completions`. */
  path: string;
  /** Take `path` from the origin instead (`/health` lives at the root of vLLM and llama.cpp servers). */
  fromOrigin?: boolean;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AnySignal;
}

/**
 * One OpenAI-compatible base URL with its own keep-alive connection pool, and a count
 * of requests still in flight for least-outstanding balancing.
 */
export class Endpoint implements EndpointName {
  readonly baseUrl: string;
  /** How callers hear of it, e.g. "endpoint 2 of the L40S pool"; the URL is for the log. */
  readonly label: string;
  private readonly basePath: string;
  private readonly limits: AnswerLimits;
  private readonly pool: Pool;
  private readonly authorization: string | undefined;
  private outstanding = 0;
  /** Date.now() until which the endpoint asked for no more calls (a 429's Retry-After). */
  private restUntil = 0;

  constructor(baseUrl: string, options: EndpointOptions, label: string) {
    const url = new URL(baseUrl);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.label = label;
    this.limits = options.limits;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.authorization = options.bearerToken ? `Bearer ${options.bearerToken}` : undefined;
    this.pool = new Pool(url.origin, {
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  get inFlight(): number {
    return this.outstanding;
  }

  /** Whether it answered 429 and its Retry-After has not passed yet. */
  get resting(): boolean {
    return this.restUntil !== 0 && this.restUntil > Date.now();
  }

  restFor(ms: number): void {
    this.restUntil = Math.max(this.restUntil, Date.now() + ms);
  }

  /** Resolves once headers arrive; the in-flight count drops when the body is done. */
  request(req: UpstreamRequest): Promise<UpstreamAnswer> {
    this.outstanding++;
    const { handler, answer } = answerHandler(req.signal, () => this.outstanding--, this.limits);
    this.pool.dispatch(
      {
        path: req.fromOrigin ? req.path : this.basePath + req.path,
        method: req.method,
        headers: this.authorization ? { ...req.headers, authorization: this.authorization } : (req.headers ?? null),
        body: req.body ?? null,
      },
      handler,
    );
    return answer;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
