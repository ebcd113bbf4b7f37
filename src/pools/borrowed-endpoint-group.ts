import { EndpointGroup } from '../upstream/endpoint-group.js';
import type { UpstreamResponse } from '../upstream/endpoint-group.js';
import type { EndpointOptions, UpstreamRequest } from '../upstream/endpoint.js';

/**
 * A local worker that another replica started: reachable on loopback when the replicas
 * share a machine. If nothing listens there any more (the worker or its replica died
 * before the shared state says so), `onLost` gets this pool warm again, here or
 * elsewhere, and the call goes there instead of failing: a connection refused means the
 * request never reached a worker, so sending it again runs it once.
 */
export class BorrowedEndpointGroup extends EndpointGroup {
  readonly #onLost: (lost: BorrowedEndpointGroup) => Promise<EndpointGroup>;

  constructor(url: string, options: EndpointOptions, onLost: (lost: BorrowedEndpointGroup) => Promise<EndpointGroup>) {
    super([url], { ...options, name: "another replica's local worker" });
    this.#onLost = onLost;
  }

  override async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      return await super.send(req);
    } catch (error) {
      // toUpstreamError keeps the socket code in its message (src/upstream/upstream-failure.ts).
      if (req.signal?.aborted || !/\bECONNREFUSED\b/.test((error as Error).message)) throw error;
      const replacement = await this.#onLost(this);
      return replacement instanceof BorrowedEndpointGroup ? replacement.sendOnce(req) : replacement.send(req);
    }
  }

  /** No second replacement: one retry per call. */
  sendOnce(req: UpstreamRequest): Promise<UpstreamResponse> {
    return super.send(req);
  }
}
