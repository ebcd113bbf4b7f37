import { PassThrough } from 'node:stream';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { onClose } from '../http/on-close.js';
import { errorBody, installErrorHandling } from '../http/error-body.js';
import { acceptEmptyJsonBodies } from '../http/json-bodies.js';
import { chatChunk, chatCompletion, newCompletionIdentity, sseEvent, usage } from '../openai/chat-completion.js';
import { parseChatRequest, type ChatRequest } from '../openai/chat-request.js';
import { toChatHistory } from './chat-history.js';
import type { Generation, LlamaEngine } from './llama-engine.js';

export type WorkerState = 'loading' | 'ready' | 'failed';

export interface WorkerInfo {
  state: WorkerState;
  /** What /health reports as the weights: "test-model" or the GGUF path. */
  weights: string;
  label: string;
  engine?: LlamaEngine;
  error?: string;
}

const DEFAULT_MAX_TOKENS = 256;
const BODY_LIMIT = 10 * 1024 * 1024;

function generationOf(body: ChatRequest, signal: AbortSignal): Generation {
  return {
    history: toChatHistory(body.messages),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    stop: typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined),
    signal,
  };
}

function streamGeneration(reply: FastifyReply, engine: LlamaEngine, body: ChatRequest, generation: Generation) {
  const identity = newCompletionIdentity(body.model);
  const out = new PassThrough();
  out.write(sseEvent(chatChunk(identity, { role: 'assistant', content: '' })));
  generation.onText = (text) => out.write(sseEvent(chatChunk(identity, { content: text })));
  engine.generate(generation).then(
    (result) => {
      out.write(sseEvent(chatChunk(identity, {}, result.finishReason)));
      const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      if (includeUsage) out.write(sseEvent(chatChunk(identity, null, null, usage(result.promptTokens, result.completionTokens))));
      out.end(sseEvent('[DONE]'));
    },
    (error: unknown) => out.end(sseEvent({ error: { message: `generation failed: ${(error as Error).message}`, type: 'api_error', code: 'internal_error' } })),
  );
  return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(out);
}

/**
 * A small OpenAI-compatible server around one loaded GGUF. It listens before the
 * weights are loaded, so /health can say "loading"; any OpenAI client can call it.
 */
export async function buildWorkerApp(info: WorkerInfo): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMIT, logController: new LogController({ disableRequestLogging: true }) });
  app.removeContentTypeParser('text/plain');
  acceptEmptyJsonBodies(app);
  installErrorHandling(app, BODY_LIMIT);
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}. A worker serves POST /v1/chat/completions, GET /v1/models and GET /health.`);
    return reply.code(error.status).send(errorBody(error));
  });

  const health = async () => ({ status: info.state, model: info.label, weights: info.weights, device: info.engine?.device ?? null, ...(info.error && { error: info.error }) });
  app.get('/health', health);
  app.get('/v1/health', health);
  app.get('/v1/models', async () => ({ object: 'list', data: [{ id: info.label, object: 'model', created: 0, owned_by: 'gpuroute-worker' }] }));

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseChatRequest(request.body);
    const engine = info.engine;
    if (!engine) throw new GatewayError('not_ready', `The worker is ${info.state}${info.error ? `: ${info.error}` : ''}; wait for GET /health to say "ready".`);
    const controller = new AbortController();
    onClose(reply.raw, (early) => {
      if (early) controller.abort();
    });
    const generation = generationOf(body, controller.signal);
    if (body.stream) return streamGeneration(reply, engine, body, generation);
    const result = await engine.generate(generation);
    return chatCompletion(newCompletionIdentity(body.model), result.text, result.finishReason, usage(result.promptTokens, result.completionTokens));
  });
  return app;
}
