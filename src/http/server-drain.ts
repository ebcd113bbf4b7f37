import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface DrainOptions {
  /**
   * How long the listener keeps accepting after the signal. Connections the kernel had
   * already accepted, but Node had not yet picked up, would otherwise be reset; they are
   * served, each answer with `Connection: close`.
   */
  acceptGraceMs: number;
  /** From the signal: requests still open then have their connections cut. */
  drainMs: number;
  /** Called at `drainMs` when requests are still open (not for idle connections), just before they are cut. */
  onCut?: (openRequests: number) => void;
}

/**
 * Graceful shutdown of a node:http server (the gateway's and the edge proxy's): from
 * `drain()` on, every answer carries `Connection: close`, each keep-alive connection
 * closes as soon as it is idle, and the drain ends when the last request or stream
 * ends, not at a fixed deadline.
 */
export class ServerDrain {
  #draining = false;
  readonly #open = new Set<ServerResponse>();

  #server: Server | undefined;

  /** Follows the server's requests from now on; `drain()` then stops it. */
  track(server: Server): void {
    this.#server = server;
    // Prepended: it must see each request before the app answers it.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.#open.add(response);
      response.once('close', () => {
        this.#open.delete(response);
        // The connection turns idle only after this answer is done with it.
        if (this.#draining) setImmediate(() => server.closeIdleConnections());
      });
      if (this.#draining) response.setHeader('connection', 'close');
    });
  }

  /** True from `drain()` on: `GET /health` says `draining`, so load balancers stop sending. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Requests whose answer has not ended yet. */
  get openRequests(): number {
    return this.#open.size;
  }

  /** Resolves once every connection has closed (at the latest at `drainMs`, by cutting them). */
  async drain(options: DrainOptions): Promise<void> {
    const server = this.#server;
    if (server === undefined) throw new Error('drain() before track(): nothing to drain');
    if (this.#draining) throw new Error('already draining');
    this.#draining = true;
    for (const response of this.#open) if (!response.headersSent) response.setHeader('connection', 'close');
    // Two turns of the loop first, so that a request already in a socket's buffer is read
    // (its connection is then busy, not idle) rather than reset with its connection.
    setImmediate(() => setImmediate(() => server.closeIdleConnections()));
    const cut = setTimeout(() => {
      if (this.#open.size > 0) options.onCut?.(this.#open.size);
      server.closeAllConnections();
    }, options.drainMs);
    try {
      await sleep(Math.min(options.acceptGraceMs, options.drainMs));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } finally {
      clearTimeout(cut);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
