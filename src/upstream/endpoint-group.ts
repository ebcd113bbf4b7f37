import { GatewayError } from '../errors/gateway-error.js';
import { Endpoint, type EndpointOptions, type UpstreamRequest } from './endpoint.js';
import type { UpstreamAnswer } from './upstream-answer.js';
import { failedBeforeFirstByte, toUpstreamError } from './upstream-failure.js';

export interface UpstreamResponse {
  endpoint: Endpoint;
  response: UpstreamAnswer;
}

/**
 * The endpoints of one pool entry. Each request goes to the endpoint with the fewest
 * requests in flight; it moves to the next one only when the connection failed before
 * any byte was sent, so a request is never executed twice.
 */
export class EndpointGroup {
  readonly endpoints: readonly Endpoint[];
  private turn = 0;

  constructor(urls: readonly string[], options: EndpointOptions) {
    this.endpoints = urls.map((url) => new Endpoint(url, options));
  }

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    // An array, not a Set: nearly every call tries one endpoint, and this runs on every call.
    const tried: Endpoint[] = [];
    let lastError: unknown;
    for (let endpoint = this.pick(tried); endpoint; endpoint = this.pick(tried)) {
      tried.push(endpoint);
      try {
        return { endpoint, response: await endpoint.request(req) };
      } catch (error) {
        lastError = error;
        // The caller hung up: not the upstream's fault, and nobody is left to answer.
        if (req.signal?.aborted) throw new GatewayError('client_closed', 'The client closed the connection before the upstream answered.');
        if (!failedBeforeFirstByte(error)) throw toUpstreamError(error, endpoint.baseUrl);
      }
    }
    throw toUpstreamError(lastError, tried.map((e) => e.baseUrl).join(', '));
  }

  /** Least outstanding; ties rotate so an idle group still spreads load. */
  private pick(tried: readonly Endpoint[]): Endpoint | undefined {
    let best: Endpoint | undefined;
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      const candidate = this.endpoints[(this.turn + i) % n];
      if (!candidate || tried.includes(candidate)) continue;
      if (!best || candidate.inFlight < best.inFlight) best = candidate;
    }
    this.turn = (this.turn + 1) % n;
    return best;
  }

  close(): Promise<void> {
    return Promise.all(this.endpoints.map((e) => e.close())).then(() => undefined);
  }
}
