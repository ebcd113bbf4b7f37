import { LlamaChat, LlamaCompletion, type ChatWrapper, type LlamaContext, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { makeProbeable, type TokenProbe } from './token-probe.js';

/** A context sequence kept alive between calls, so its evaluated tokens can be reused. */
export interface Slot {
  readonly sequence: LlamaContextSequence;
  readonly chat: LlamaChat;
  readonly completion: LlamaCompletion;
  /** Set while a call asked for logprobs. */
  probe: TokenProbe | undefined;
}

function commonPrefix(a: readonly Token[], b: readonly Token[]): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a[i] === b[i]) i++;
  return i;
}

/**
 * Every sequence of one context, each lent to one call at a time. llama.cpp evaluates
 * the sequences that are generating together in one batch (issue 12: `workers.parallel`).
 * A call gets the free sequence that already holds the longest prefix of its prompt:
 * LlamaChat and LlamaCompletion evaluate only the tokens after that prefix.
 */
export class SequencePool {
  readonly #slots: Slot[] = [];
  readonly #free: Slot[] = [];
  readonly #waiting: Array<() => void> = [];

  constructor(context: LlamaContext) {
    while (context.sequencesLeft > 0) {
      const sequence = context.getSequence();
      const slot: Slot = { sequence, chat: new LlamaChat({ contextSequence: sequence }), completion: new LlamaCompletion({ contextSequence: sequence }), probe: undefined };
      makeProbeable(sequence, () => slot.probe);
      this.#slots.push(slot);
    }
    this.#free.push(...this.#slots);
  }

  /** Every sequence renders chats with the same wrapper, chosen from the GGUF. */
  get chatWrapper(): ChatWrapper {
    return this.#slots[0]!.chat.chatWrapper;
  }

  /**
   * Runs `work` on a free slot (waiting for one if all are busy), telling it how many of
   * the prompt's tokens the slot already holds. At least one token is always evaluated.
   */
  async use<T>(prompt: readonly Token[], work: (slot: Slot, cachedTokens: number) => Promise<T>): Promise<T> {
    while (this.#free.length === 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let best = 0;
    let bestLength = -1;
    this.#free.forEach((slot, i) => {
      const length = commonPrefix(slot.sequence.contextTokens, prompt);
      if (length > bestLength) [best, bestLength] = [i, length];
    });
    const [slot] = this.#free.splice(best, 1) as [Slot];
    try {
      return await work(slot, Math.min(bestLength, Math.max(prompt.length - 1, 0)));
    } finally {
      slot.probe = undefined;
      this.#free.push(slot);
      this.#waiting.shift()?.();
    }
  }

  dispose(): void {
    for (const slot of this.#slots) {
      slot.chat.dispose();
      slot.completion.dispose();
      slot.sequence.dispose();
    }
  }
}
