import { Pool } from 'undici';
import { answerHandler, type UpstreamAnswer } from './upstream-answer.js';
import type { AnySignal } from './upstream-signal.js';

export interface EndpointOptions {
  connectTimeoutMs: number;
  /** Bound on the wait for response headers, and on each gap between body chunks. */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer …` on every request. */
  bearerToken?: string | undefined;
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
export class Endpoint {
  readonly baseUrl: string;
  private readonly basePath: string;
  private readonly pool: Pool;
  private readonly authorization: string | undefined;
  private outstanding = 0;

  constructor(baseUrl: string, options: EndpointOptions) {
    const url = new URL(baseUrl);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
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

  /** Resolves once headers arrive; the in-flight count drops when the body is done. */
  request(req: UpstreamRequest): Promise<UpstreamAnswer> {
    this.outstanding++;
    const { handler, answer } = answerHandler(req.signal, () => this.outstanding--);
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
