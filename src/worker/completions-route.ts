import type { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Token } from 'node-llama-cpp';
import { newCompletionIdentity, sseEvent, usage, type CompletionIdentity } from '../openai/chat-completion.js';
import { bad, fitMaxTokens, isTokens, numberIn, refuseUnhonoured, samplingOf, type Body } from './engine-request.js';
import type { GenerationResult, LlamaEngine } from './llama-engine.js';
import { logprobContent } from './logprobs.js';
import type { ProbedToken } from './token-probe.js';
import { sseReply, streamFailure } from './sse-reply.js';

/** OpenAI's default for the legacy endpoint. */
const DEFAULT_MAX_TOKENS = 16;
const MAX_CHOICES = 8;
const MAX_LOGPROBS = 5;

/** `prompt`: a string, a list of strings, token ids, or a list of token-id lists. */
function promptsOf(prompt: unknown, engine: LlamaEngine): Token[][] {
  if (typeof prompt === 'string') return [engine.tokenize(prompt)];
  if (isTokens(prompt)) return [prompt as Token[]];
  if (Array.isArray(prompt) && prompt.length > 0) {
    return prompt.map((p: unknown, i) => {
      if (typeof p === 'string') return engine.tokenize(p);
      if (isTokens(p)) return p as Token[];
      return bad(`prompt[${i}]`, `prompt[${i}] must be a string or an array of token ids.`);
    });
  }
  return bad('prompt', 'prompt is required: send a string, or a list of strings.');
}

/** The legacy logprobs object; `offset` is where the first token's text starts in the choice's text. */
function legacyLogprobs(probed: ProbedToken[] | undefined, engine: LlamaEngine, offset = 0) {
  if (!probed) return null;
  const content = logprobContent(probed, (t) => engine.detokenize(t));
  return {
    tokens: content.map((c) => c.token),
    token_logprobs: content.map((c) => c.logprob),
    top_logprobs: content.map((c) => Object.fromEntries(c.top_logprobs.map((alt) => [alt.token, alt.logprob]))),
    text_offset: content.map((c) => ((offset += c.token.length), offset - c.token.length)),
  };
}

function completionObject(identity: CompletionIdentity, choices: unknown[], counts?: ReturnType<typeof usage>) {
  return { ...identity, object: 'text_completion' as const, system_fingerprint: null, choices, ...(counts && { usage: counts }) };
}

function completionsPlan(body: Body, engine: LlamaEngine) {
  if (typeof body.model !== 'string' || !body.model) bad('model', 'model is required: send the model id.');
  refuseUnhonoured(body, { suffix: undefined });
  const n = numberIn(body, 'n', 1, MAX_CHOICES, 1, true);
  const bestOf = numberIn(body, 'best_of', 1, MAX_CHOICES, n, true);
  if (bestOf !== n) bad('best_of', 'best_of must equal n: the built-in engine returns every choice it generates.');
  const logprobs = body.logprobs === null || body.logprobs === undefined ? undefined : numberIn(body, 'logprobs', 0, MAX_LOGPROBS, 0, true);
  const prompts = promptsOf(body.prompt, engine);
  const sampling = samplingOf(body, { maxTokens: ['max_tokens'], defaultMaxTokens: DEFAULT_MAX_TOKENS, vocabularySize: engine.vocabularySize, topLogprobs: logprobs });
  const longest = Math.max(...prompts.map((p) => p.length));
  const maxTokens = fitMaxTokens(sampling.maxTokens ?? DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS, longest, engine.contextTokens, 'prompt', 'max_tokens');
  return {
    model: body.model as string,
    n,
    prompts,
    echo: body.echo === true,
    stream: body.stream === true,
    includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
    sampling: { ...sampling, maxTokens },
  };
}

type Plan = ReturnType<typeof completionsPlan>;

function run(plan: Plan, engine: LlamaEngine, signal: AbortSignal, onText?: (index: number, text: string, probed: ProbedToken[] | undefined) => void): Array<Promise<GenerationResult>> {
  return plan.prompts.flatMap((prompt, p) =>
    Array.from({ length: plan.n }, (_, j) => {
      const index = p * plan.n + j;
      return engine.complete({ prompt, signal, sampling: { ...plan.sampling, seed: plan.sampling.seed + j }, onText: onText && ((text, probed) => onText(index, text, probed)) });
    }),
  );
}

function totalUsage(results: readonly GenerationResult[], n: number) {
  const prompt = results.filter((_, i) => i % n === 0).reduce((sum, r) => sum + r.promptTokens, 0);
  return usage(prompt, results.reduce((sum, r) => sum + r.completionTokens, 0));
}

function streamCompletions(out: PassThrough, plan: Plan, engine: LlamaEngine, signal: AbortSignal) {
  const identity = newCompletionIdentity(plan.model, 'cmpl');
  const offsets = new Map<number, number>();
  const chunk = (index: number, text: string, probed?: ProbedToken[], finishReason: string | null = null) => {
    const offset = offsets.get(index) ?? 0;
    offsets.set(index, offset + text.length);
    out.write(sseEvent(completionObject(identity, [{ index, text, logprobs: legacyLogprobs(probed, engine, offset), finish_reason: finishReason }])));
  };
  if (plan.echo) plan.prompts.forEach((prompt, p) => Array.from({ length: plan.n }, (_, j) => chunk(p * plan.n + j, engine.detokenize(prompt))));
  const runs = run(plan, engine, signal, chunk).map((promise, index) =>
    promise.then((result) => {
      chunk(index, '', undefined, result.finishReason);
      return result;
    }),
  );
  Promise.all(runs).then(
    (results) => {
      if (plan.includeUsage) out.write(sseEvent(completionObject(identity, [], totalUsage(results, plan.n))));
      out.end(sseEvent('[DONE]'));
    },
    (error: unknown) => streamFailure(out, error),
  );
}

/** POST /v1/completions on the engine: legacy text completion, no chat template (issue 12). */
export function registerCompletionsRoute(app: FastifyInstance, engineOf: () => LlamaEngine, abortOnClose: (reply: FastifyReply) => AbortSignal): void {
  app.post('/v1/completions', async (request, reply) => {
    const engine = engineOf();
    if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) bad('body', 'The request body must be a JSON object with at least "model" and "prompt".');
    const plan = completionsPlan(request.body as Body, engine);
    const signal = abortOnClose(reply);
    if (plan.stream) {
      streamCompletions(sseReply(reply), plan, engine, signal);
      return reply;
    }
    const results = await Promise.all(run(plan, engine, signal));
    const choices = results.map((result, index) => ({
      index,
      text: (plan.echo ? engine.detokenize(plan.prompts[Math.floor(index / plan.n)]!) : '') + result.text,
      logprobs: legacyLogprobs(result.logprobs, engine, plan.echo ? engine.detokenize(plan.prompts[Math.floor(index / plan.n)]!).length : 0),
      finish_reason: result.finishReason,
    }));
    return completionObject(newCompletionIdentity(plan.model, 'cmpl'), choices, totalUsage(results, plan.n));
  });
}
