import { GatewayError } from '../errors/gateway-error.js';
import { Endpoint, type EndpointOptions, type UpstreamRequest } from './endpoint.js';
import { retryAfterSeconds } from './retry-after.js';
import type { UpstreamAnswer } from './upstream-answer.js';
import { failedBeforeFirstByte, toUpstreamError, type EndpointName } from './upstream-failure.js';

export interface UpstreamResponse {
  endpoint: Endpoint;
  response: UpstreamAnswer;
}

export interface GroupOptions extends EndpointOptions {
  /**
   * How callers hear of the group: its endpoints are "endpoint N of <name>" in every
   * error, and their URLs stay in the log (issue 14 §9).
   * @default "the pool"
   */
  name?: string;
}

/** How long an endpoint that answered 429 without a Retry-After is passed over. */
const DEFAULT_REST_S = 1;

/**
 * The endpoints of one pool entry. Each request goes to the endpoint with the fewest
 * requests in flight, passing over those resting after a 429. It moves to the next one
 * only when nothing was executed: the connection failed before any byte was sent, or the
 * endpoint answered 429 (it refused the work) and another one is not resting. So a
 * request is never executed twice.
 */
export class EndpointGroup {
  readonly endpoints: readonly Endpoint[];
  readonly #name: string;
  private turn = 0;

  constructor(urls: readonly string[], options: GroupOptions) {
    this.#name = options.name ?? 'the pool';
    this.endpoints = urls.map((url, i) => new Endpoint(url, options, `endpoint ${i + 1} of ${this.#name}`));
  }

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    // An array, not a Set: nearly every call tries one endpoint, and this runs on every call.
    const tried: Endpoint[] = [];
    let lastError: unknown;
    for (let endpoint = this.pick(tried); endpoint; endpoint = this.pick(tried)) {
      tried.push(endpoint);
      let response: UpstreamAnswer;
      try {
        response = await endpoint.request(req);
      } catch (error) {
        lastError = error;
        // The caller hung up: not the upstream's fault, and nobody is left to answer.
        if (req.signal?.aborted) throw new GatewayError('client_closed', 'The client closed the connection before the upstream answered.');
        if (!failedBeforeFirstByte(error)) throw toUpstreamError(error, endpoint);
        continue;
      }
      if (response.statusCode === 429) {
        endpoint.restFor((retryAfterSeconds(response.headers['retry-after']) ?? DEFAULT_REST_S) * 1000);
        if (this.endpoints.some((e) => !e.resting && !tried.includes(e))) {
          await response.body.dump();
          continue;
        }
      }
      return { endpoint, response };
    }
    throw toUpstreamError(lastError, this.#triedName(tried));
  }

  #triedName(tried: readonly Endpoint[]): EndpointName {
    if (tried.length === 1) return tried[0]!;
    return { label: `all ${tried.length} endpoints of ${this.#name}`, baseUrl: tried.map((e) => e.baseUrl).join(', ') };
  }

  /** Least outstanding, resting ones last; ties rotate so an idle group still spreads load. */
  private pick(tried: readonly Endpoint[]): Endpoint | undefined {
    let best: Endpoint | undefined;
    let bestResting = false;
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const candidate = this.endpoints[(this.turn + i) % n];
      if (!candidate || tried.includes(candidate)) continue;
      const resting = candidate.resting;
      if (!best || (bestResting && !resting) || (resting === bestResting && candidate.inFlight < best.inFlight)) {
        best = candidate;
        bestResting = resting;
      }
    }
    this.turn = (this.turn + 1) % n;
    return best;
  }

  close(): Promise<void> {
    return Promise.all(this.endpoints.map((e) => e.close())).then(() => undefined);
  }
}
