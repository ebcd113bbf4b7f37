// Fine-tuned model ids name their base model (ARCHITECTURE.md "Contracts"):
// `ft:BASE[:suffix]` (supervised), `rl:` (reinforcement learning), `fft:` (full
// fine-tune), `qft:` (QLoRA). BASE is a repo id, so it holds `/` but never `:`; the
// suffix may hold anything, colons included (OpenAI's `ft:` ids have several).
const FINE_TUNE_ID = /^(?:ft|rl|fft|qft):([^:]+)(?::.*)?$/i;

/**
 * The id whose GPU rules apply to `requestedId`: the base model of a fine-tune id,
 * otherwise `requestedId` unchanged (case kept; lookups ignore case).
 */
export function baseModelId(requestedId: string): string {
  return FINE_TUNE_ID.exec(requestedId)?.[1] ?? requestedId;
}
