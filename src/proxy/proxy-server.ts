import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { CorsPolicy } from '../http/cors-policy.js';
import { answerClientError } from '../http/error-body.js';
import { ServerDrain, type DrainOptions } from '../http/server-drain.js';
import { sendError } from './error-response.js';
import { forwardRequest, type ForwardContext } from './forward-request.js';
import type { ProxyOptions } from './proxy-options.js';
import { isUnderPrefix, pathOf } from './proxy-prefix.js';

export interface RunningProxy {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /**
   * Keeps accepting for `acceptGraceMs` (answers say `Connection: close`), then stops;
   * lets requests in flight finish (cut at `drainMs`), then closes the target pool.
   */
  close(options?: Partial<DrainOptions>): Promise<void>;
}

/** Says whether requests may be forwarded yet (the public proxy's check of its target). */
export interface ForwardGate {
  readonly refusal: GatewayError | undefined;
}

/**
 * Load balancers (Render's among them) keep idle connections open for about a minute;
 * ours must outlive theirs, or a request may meet a connection we just closed.
 */
const KEEP_ALIVE_MS = 72_000;
const DEFAULT_DRAIN_MS = 10_000;

function notUnderPrefix(request: IncomingMessage, prefix: string): GatewayError {
  return new GatewayError('route_not_found', `No route ${request.method} ${pathOf(request.url)} on this proxy: it forwards only paths under ${prefix || '/'} to the gateway, e.g. ${prefix}/v1/chat/completions.`);
}

function logRequest(logger: Logger, request: IncomingMessage, response: ServerResponse, started: number): void {
  response.once('close', () => {
    logger.info(
      {
        method: request.method,
        path: pathOf(request.url),
        status: response.headersSent ? response.statusCode : null,
        ms: Math.round(performance.now() - started),
        requestId: response.getHeader('x-request-id'),
        complete: response.writableFinished,
      },
      'proxied',
    );
  });
}

/**
 * The edge proxy: a plain node:http server rather than Fastify, because a proxy must not
 * hold opinions about the request. Fastify's router decodes the path to match a route
 * (a `%zz` path is a 400 before any hook runs) and it judges Content-Type (an
 * unparseable one is a 415 even with a catch-all parser); here the raw request line,
 * headers and body stream go to undici untouched, and the target's body stream comes
 * back chunk by chunk with backpressure. Only CORS, the prefix and failures are ours.
 */
export async function startProxy(options: ProxyOptions, logger: Logger, gate?: ForwardGate): Promise<RunningProxy> {
  const target = new URL(options.target);
  // One keep-alive pool to the target, for the life of the process.
  const pool = new Pool(target.origin, {
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const ctx: ForwardContext = {
    pool,
    target: { url: options.target, timeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs },
    basePath: target.pathname === '/' ? '' : target.pathname,
    logger,
  };
  const cors = new CorsPolicy(options.corsOrigins);

  const server: Server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (request, response) => {
    logRequest(logger, request, response, performance.now());
    if (cors.isPreflight(request)) return void response.writeHead(204, cors.preflightHeaders(request)).end();
    const ownHeaders = cors.headersFor(request);
    if (!isUnderPrefix(request.url ?? '', options.prefix)) return sendError(response, notUnderPrefix(request, options.prefix), ownHeaders);
    const refusal = gate?.refusal;
    if (refusal !== undefined) return sendError(response, refusal, ownHeaders);
    forwardRequest(ctx, request, response, ownHeaders).catch((error: unknown) => {
      logger.error({ err: error }, 'proxy failed');
      sendError(response, new GatewayError('internal_error', 'The proxy failed while forwarding this request; it has been logged. Retry, and report it if it persists.'), ownHeaders);
    });
  });

  // Node's defaults: 60 s for the headers, 300 s for the whole request.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, "the proxy's 60 s for the headers, 300 s for all of it"));
  const drain = new ServerDrain();
  drain.track(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    async close({ acceptGraceMs = 0, drainMs = DEFAULT_DRAIN_MS, onCut } = {}) {
      // A stream may run for minutes; shutting down must not wait on it forever.
      await drain.drain({ acceptGraceMs, drainMs, ...(onCut && { onCut }) });
      await pool.close();
    },
  };
}
