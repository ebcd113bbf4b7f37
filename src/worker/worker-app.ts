import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { onClose } from '../http/on-close.js';
import { answerClientError, errorBody, installErrorHandling } from '../http/error-body.js';
import { acceptEmptyJsonBodies } from '../http/json-bodies.js';
import { registerChatRoute } from './chat-route.js';
import { registerCompletionsRoute } from './completions-route.js';
import { registerEmbeddingsRoute } from './embeddings-route.js';
import type { LlamaEngine } from './llama-engine.js';
import { registerResponsesRoute } from './responses-route.js';

export type WorkerState = 'loading' | 'ready' | 'failed';

export interface WorkerInfo {
  state: WorkerState;
  /** What /health reports as the weights: "test-model" or the GGUF path. */
  weights: string;
  label: string;
  engine?: LlamaEngine;
  error?: string;
}

const BODY_LIMIT = 10 * 1024 * 1024;

/** Aborts when the client leaves before its answer is complete, so generation stops. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  onClose(reply.raw, (early) => {
    if (early) controller.abort();
  });
  return controller.signal;
}

/**
 * A small OpenAI-compatible server around one loaded GGUF. It listens before the
 * weights are loaded, so /health can say "loading"; any OpenAI client can call it.
 */
export async function buildWorkerApp(info: WorkerInfo): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    // A request Node cannot parse gets the error shape too, as from the gateway: whoever
    // calls a worker directly (a command engine's health poll, curl) reads one shape.
    clientErrorHandler: (error, socket) => answerClientError(error, socket, "Node's 60 s for the headers"),
  });
  app.removeContentTypeParser('text/plain');
  acceptEmptyJsonBodies(app);
  installErrorHandling(app, BODY_LIMIT);
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError(
      'route_not_found',
      `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}. A worker serves POST /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/responses, GET /v1/models and GET /health.`,
    );
    return reply.code(error.status).send(errorBody(error));
  });

  // 503 until ready, as vLLM and llama-server answer while loading: whoever polls /health
  // for readiness (a command engine's gateway, a load balancer) waits for the weights.
  const health = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(info.state === 'ready' ? 200 : 503).send({ status: info.state, model: info.label, weights: info.weights, device: info.engine?.device ?? null, ...(info.error && { error: info.error }) });
  app.get('/health', health);
  app.get('/v1/health', health);
  app.get('/v1/models', async () => ({ object: 'list', data: [{ id: info.label, object: 'model', created: 0, owned_by: 'gpuroute-worker' }] }));

  const engineOf = (): LlamaEngine => {
    if (info.engine) return info.engine;
    throw new GatewayError('not_ready', `The worker is ${info.state}${info.error ? `: ${info.error}` : ''}; wait for GET /health to say "ready".`);
  };
  registerChatRoute(app, engineOf, abortOnClose);
  registerCompletionsRoute(app, engineOf, abortOnClose);
  registerEmbeddingsRoute(app, engineOf);
  registerResponsesRoute(app, engineOf, abortOnClose);
  return app;
}
