import type { FastifyInstance } from 'fastify';
import type { Token } from 'node-llama-cpp';
import { bad, isTokens, type Body } from './engine-request.js';
import type { LlamaEngine } from './llama-engine.js';

function inputsOf(input: unknown): Array<string | Token[]> {
  if (typeof input === 'string' || isTokens(input)) return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'string' || isTokens(i))) return input as Array<string | Token[]>;
  return bad('input', 'input is required: send a string, a list of strings, or token ids.');
}

/** The openai SDK asks for base64 by default: float32 little-endian bytes, base64-encoded. */
function base64Of(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** POST /v1/embeddings on the engine, through node-llama-cpp's embedding context (issue 12). */
export function registerEmbeddingsRoute(app: FastifyInstance, engineOf: () => LlamaEngine): void {
  app.post('/v1/embeddings', async (request) => {
    const engine = engineOf();
    const body = (request.body ?? {}) as Body;
    if (typeof body.model !== 'string' || !body.model) bad('model', 'model is required: send the model id.');
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') bad('encoding_format', `encoding_format must be "float" or "base64", got ${JSON.stringify(format)}.`);
    const inputs = inputsOf(body.input);
    for (const [i, input] of inputs.entries()) {
      const length = typeof input === 'string' ? engine.tokenize(input).length : input.length;
      if (length > engine.contextTokens) bad('input', `input[${i}] is ${length} tokens; this model embeds at most ${engine.contextTokens}.`);
    }
    const embedded = await engine.embed(inputs);
    const dimensions = embedded[0]!.vector.length;
    if (body.dimensions != null && body.dimensions !== dimensions) bad('dimensions', `dimensions must be ${dimensions} (this model's embedding size) or left out.`);
    const tokens = embedded.reduce((sum, e) => sum + e.tokens, 0);
    return {
      object: 'list',
      data: embedded.map((e, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? base64Of(e.vector) : e.vector })),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });
}
