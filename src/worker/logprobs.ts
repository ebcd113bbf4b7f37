import type { Token } from 'node-llama-cpp';
import type { TokenLogprob } from '../openai/chat-completion.js';
import type { ProbedToken } from './token-probe.js';

/** ln(0) is -Infinity, which JSON cannot carry; OpenAI clients expect a number. */
const FLOOR = -9999;

function logprob(probability: number): number {
  return probability > 0 ? Math.max(Math.log(probability), FLOOR) : FLOOR;
}

/** Probed tokens as OpenAI's `logprobs.content`, each token's text through the model's tokenizer. */
export function logprobContent(probed: readonly ProbedToken[], detokenize: (tokens: Token[]) => string): TokenLogprob[] {
  const entry = (token: Token, probability: number) => {
    const text = detokenize([token]);
    return { token: text, logprob: logprob(probability), bytes: [...Buffer.from(text)] };
  };
  return probed.map(({ token, probability, top }) => ({ ...entry(token, probability), top_logprobs: top.map(([alt, p]) => entry(alt, p)) }));
}
