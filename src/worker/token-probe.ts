import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/** One sampled token with the probability it had, and the likeliest alternatives. */
export interface ProbedToken {
  token: Token;
  probability: number;
  top: Array<[Token, number]>;
}

/**
 * Records the probabilities of the tokens a generation samples, for OpenAI `logprobs`.
 * The probabilities are those of the distribution sampled from (after temperature, top_p,
 * logit_bias and any grammar), as llama.cpp reports them.
 */
export class TokenProbe {
  readonly #sampled: ProbedToken[] = [];
  #cursor = 0;

  /** @param top how many alternatives to keep per token (OpenAI `top_logprobs`, 0–20) */
  constructor(readonly top: number) {}

  record(entry: ProbedToken): void {
    this.#sampled.push(entry);
  }

  /**
   * The record of a token the generation kept. Kept tokens arrive in order, but some
   * sampled ones never do (a stop string's tokens), so those are skipped.
   */
  take(token: Token): ProbedToken {
    for (let i = this.#cursor; i < this.#sampled.length; i++) {
      if (this.#sampled[i]!.token === token) {
        this.#cursor = i + 1;
        return this.#sampled[i]!;
      }
    }
    return { token, probability: 1, top: [] };
  }
}

function firstEntries(probabilities: Map<Token, number> | undefined, count: number): Array<[Token, number]> {
  const entries: Array<[Token, number]> = [];
  if (!probabilities || count === 0) return entries;
  for (const entry of probabilities) {
    if (entries.length === count) break;
    entries.push(entry);
  }
  return entries;
}

/**
 * LlamaChat and LlamaCompletion offer no token probabilities, but both sample through
 * `sequence.evaluate`. While `current()` returns a probe, that call goes through
 * `evaluateWithMetadata` instead and each sampled token's probability is recorded.
 */
export function makeProbeable(sequence: LlamaContextSequence, current: () => TokenProbe | undefined): void {
  const evaluate = sequence.evaluate.bind(sequence);
  sequence.evaluate = ((tokens: Token[], options?: Parameters<LlamaContextSequence['evaluate']>[1]) => {
    const probe = current();
    if (!probe) return evaluate(tokens, options);
    return (async function* probed(): AsyncGenerator<Token, void, void | Token | Token[]> {
      const iterator = sequence.evaluateWithMetadata(tokens, { confidence: true, probabilities: probe.top > 0 }, options);
      let input: void | Token | Token[] = undefined;
      try {
        while (true) {
          const step = await iterator.next(input);
          if (step.done) return;
          const { token, confidence, probabilities } = step.value as { token: Token; confidence: number; probabilities?: Map<Token, number> };
          probe.record({ token, probability: confidence, top: firstEntries(probabilities, probe.top) });
          input = yield token;
        }
      } finally {
        await iterator.return();
      }
    })();
  }) as LlamaContextSequence['evaluate'];
}
