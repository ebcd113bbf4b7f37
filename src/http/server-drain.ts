import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

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

/** After the grace period, the listener closes once no connection has come in for this long. */
const QUIET_MS = 100;

/** Per connection: requests seen, and answers not yet ended. */
interface Use {
  requests: number;
  open: number;
}

/**
 * Graceful shutdown of a node:http server (the gateway's and the edge proxy's): from
 * `drain()` on, every answer carries `Connection: close`, each keep-alive connection
 * closes as soon as it is idle, and the drain ends when the last request or stream
 * ends, not at a fixed deadline.
 *
 * Node's own `closeIdleConnections()` (which `server.close()` calls) also destroys
 * connections that have not sent anything *yet*, and one whose request is still unread
 * in the kernel's buffer is then reset: a burst lost up to a quarter of its requests that
 * way. So connections are followed here, and only those that have been answered and sit
 * idle are closed; a new one is given its request's time.
 */
export class ServerDrain {
  #draining = false;
  readonly #open = new Set<ServerResponse>();
  readonly #uses = new Map<Socket, Use>();
  #server: Server | undefined;
  #lastAccepted = 0;

  /** Follows the server's connections and requests from now on; `drain()` then stops it. */
  track(server: Server): void {
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      this.#lastAccepted = performance.now();
      this.#uses.set(socket, { requests: 0, open: 0 });
      socket.once('close', () => this.#uses.delete(socket));
    });
    // Prepended: it must see each request before the app answers it.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
      const use = this.#uses.get(socket);
      if (use) {
        use.requests++;
        use.open++;
      }
      this.#open.add(response);
      response.once('close', () => {
        this.#open.delete(response);
        if (use) use.open--;
        if (this.#draining) this.#closeWhenIdle(socket);
      });
      if (this.#draining) response.setHeader('connection', 'close');
    });
  }

  /** True from `drain()` on: `GET /health` says `draining`, so load balancers stop sending. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Resolves once every connection has closed (at the latest at `drainMs`, by cutting them). */
  async drain(options: DrainOptions): Promise<void> {
    const server = this.#server;
    if (server === undefined) throw new Error('drain() before track(): nothing to drain');
    if (this.#draining) throw new Error('already draining');
    this.#draining = true;
    const cut = setTimeout(() => {
      if (this.#open.size > 0) options.onCut?.(this.#open.size);
      for (const socket of this.#uses.keys()) socket.destroy();
    }, options.drainMs);
    try {
      for (const response of this.#open) if (!response.headersSent) response.setHeader('connection', 'close');
      for (const socket of this.#uses.keys()) this.#closeWhenIdle(socket);
      await sleep(Math.min(options.acceptGraceMs, options.drainMs));
      // A busy process may still be working through the kernel's queue: keep accepting
      // while connections keep coming in, until a quiet moment (bounded by drainMs).
      const ends = performance.now() - options.acceptGraceMs + options.drainMs;
      for (;;) {
        // Timers run before the loop polls: let it accept what the kernel queued meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        const quietFor = performance.now() - this.#lastAccepted;
        if (quietFor >= QUIET_MS || performance.now() >= ends) break;
        await sleep(QUIET_MS - quietFor);
      }
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      // A connection that sends nothing for another grace period is not about to.
      for (const socket of this.#uses.keys()) this.#closeIfSilent(socket, options.acceptGraceMs);
      await closed;
    } finally {
      clearTimeout(cut);
    }
  }

  /** After two turns of the loop, so that a request already in the socket's buffer is read first. */
  #closeWhenIdle(socket: Socket): void {
    const idle = () => {
      const use = this.#uses.get(socket);
      return use !== undefined && use.requests > 0 && use.open === 0;
    };
    if (!idle()) return;
    setImmediate(() => setImmediate(() => idle() && socket.destroy()));
  }

  #closeIfSilent(socket: Socket, ms: number): void {
    if (this.#uses.get(socket)?.requests !== 0) return;
    setTimeout(() => {
      if (this.#uses.get(socket)?.requests === 0 && socket.bytesRead === 0) socket.destroy();
    }, ms).unref();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
