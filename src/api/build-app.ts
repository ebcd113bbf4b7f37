import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { createKeyCheck } from './auth-hook.js';
import { CorsPolicy } from '../http/cors-policy.js';
import { answerClientError, errorBody, installErrorHandling } from '../http/error-body.js';
import { acceptEmptyJsonBodies } from '../http/json-bodies.js';
import type { GatewayContext } from './gateway-context.js';
import swagger from '@fastify/swagger';
import { openApiOptions } from './openapi/openapi-options.js';
import { ROUTE_SCHEMAS } from './openapi/schemas.js';
import { observeRequests } from './observe-requests.js';
import { requestId } from './request-id.js';
import { OPENAI_PREFIXES, SERVICE_PREFIXES, WARMUP_PREFIXES } from './route-prefixes.js';
import { registerCapabilities } from './routes/capabilities.js';
import { DASHBOARD_PATHS, registerDashboard } from './routes/dashboard.js';
import { registerHealth } from './routes/health.js';
import { registerModels } from './routes/models.js';
import { registerRoutedCalls } from './routes/routed-calls.js';
import { registerWarmup } from './routes/warmup.js';

const HEALTH_PATHS = new Set(OPENAI_PREFIXES.map((prefix) => `${prefix}/health`));

/** Health, and the dashboard's static files: the page asks for the key itself. */
function isPublic(url: string): boolean {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return HEALTH_PATHS.has(path) || DASHBOARD_PATHS.has(path);
}

export interface AppOptions {
  logger?: Logger | false;
}

/** The HTTP adapter: every route at every prefix, over one data path. */
export async function buildApp(ctx: GatewayContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = ctx.config.limits.body_bytes;
  const app = Fastify({
    loggerInstance: options.logger || undefined,
    bodyLimit,
    genReqId: requestId,
    logController: new LogController({ disableRequestLogging: true }),
    // Closing is handled in onRequest below, so that refusals keep the error shape.
    return503OnClosing: false,
    requestTimeout: ctx.config.limits.request_timeout_ms,
    // Answers that Fastify or Node would write in their own shape (issue 14 §11).
    frameworkErrors: (error, request, reply) => refuseUnroutable(error, request, reply),
    clientErrorHandler: answerClientError,
    // A client that trickles its headers or body (slowloris) is cut off; Node checks the
    // deadlines every connectionsCheckingInterval, so that follows the shortest one.
    http: {
      headersTimeout: ctx.config.limits.header_timeout_ms,
      connectionsCheckingInterval: Math.min(1_000, ctx.config.limits.header_timeout_ms),
    },
  }) as unknown as FastifyInstance;

  // Route schemas document the API (OpenAPI); zod validates, so that messages name the
  // field, and replies go out as built, so that upstream fields are never dropped.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, openApiOptions);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Every body is JSON; anything else is a 415 that says so, not a string to misread.
  app.removeContentTypeParser('text/plain');
  // After SIGTERM, requests already in flight finish; new ones are told to go elsewhere.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // One callback-style hook, not several async ones: it runs on every request.
  const checkKey = createKeyCheck(ctx.config.auth.api_keys, isPublic);
  const cors = new CorsPolicy(ctx.config.cors.origins);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      return done(new GatewayError('shutting_down', 'This gateway is shutting down and takes no new requests; retry, and the load balancer will send you to another replica.'));
    }
    if (cors.isPreflight(request.raw)) return void reply.code(204).headers(cors.preflightHeaders(request.raw)).send();
    reply.headers(cors.headersFor(request.raw));
    try {
      checkKey(request);
    } catch (error) {
      return done(error as GatewayError);
    }
    done();
  });

  /**
   * A URL Fastify cannot decode (`/%ZZ`) is answered before any hook runs: it gets the
   * request id, CORS headers, key check, error shape, metrics and log line of every other
   * answer.
   */
  function refuseUnroutable(error: Error, request: FastifyRequest, reply: FastifyReply) {
    reply.header('x-request-id', request.id).headers(cors.headersFor(request.raw));
    const reason = error.message.slice(0, 300);
    let refusal = new GatewayError('invalid_request', `The URL cannot be routed: ${reason}. Percent-encode it, e.g. a literal % as %25.`);
    try {
      checkKey(request);
    } catch (unauthorized) {
      refusal = unauthorized as GatewayError;
    }
    // Fastify has no start time for a request it could not route: time it from here.
    const started = performance.now();
    reply.raw.once('close', () => recordResponse(request, reply, performance.now() - started));
    return reply.code(refusal.status).send(errorBody(refusal));
  }

  const { metrics } = ctx;
  const recordResponse = observeRequests(app, metrics, options.logger ?? false);
  // Also under /api, where the dashboard finds it through the edge proxy.
  for (const prefix of SERVICE_PREFIXES) {
    app.get(`${prefix}/metrics`, { schema: ROUTE_SCHEMAS.metrics }, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }

  acceptEmptyJsonBodies(app);
  installErrorHandling(app, bodyLimit);
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}. The routes are listed in docs/api.md; OpenAI clients use base URL http://HOST:PORT/v1.`);
    return reply.code(error.status).send(errorBody(error));
  });

  for (const prefix of OPENAI_PREFIXES) {
    await app.register(
      async (scope) => {
        registerRoutedCalls(scope, ctx);
        registerModels(scope, ctx);
        registerHealth(scope, ctx);
      },
      { prefix },
    );
  }
  for (const prefix of SERVICE_PREFIXES) {
    await app.register(async (scope) => registerCapabilities(scope, ctx), { prefix });
  }
  for (const prefix of WARMUP_PREFIXES) {
    await app.register(async (scope) => registerWarmup(scope, ctx), { prefix });
  }
  await app.register(async (scope) => registerDashboard(scope));
  return app;
}
