// The test model's tokenizer: a byte-fallback SentencePiece ("llama") vocabulary, which
// llama.cpp can tokenize from the token list and scores alone (no merges table). Any
// UTF-8 text round-trips: characters without their own token fall back to <0xXX> bytes.

/** llama.cpp's llama_token_type values (the tokenizer.ggml.token_type array). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

/** SentencePiece writes a space as U+2581 LOWER ONE EIGHTH BLOCK. */
export const SPM_SPACE = '\u2581';

/**
 * Multi-character pieces so tokenization exercises SentencePiece merges as real models
 * do. Earlier entries score higher and so merge first; every piece is reachable by
 * merging two shorter pieces that are themselves in the vocabulary.
 */
const MERGED_PIECES = [
  '▁t', 'he', '▁the', 'in', 'er', 'an', '▁a', 'on', 're', '▁w', 'or', 'ou', 'is', '▁s',
  'at', 'en', '▁i', '▁o', 'ing', 'll', '▁c', 'ed', 'nd', '▁and', '▁to', '▁of', '▁in', '▁is',
].map((piece) => piece.replaceAll('▁', SPM_SPACE));

export interface TestVocab {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
  ids: { unk: number; bos: number; eos: number; imStart: number; imEnd: number };
}

export function buildTestVocab(): TestVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const tokenTypes: number[] = [];
  const add = (token: string, type: number, score: number): number => {
    tokens.push(token);
    tokenTypes.push(type);
    scores.push(score);
    return tokens.length - 1;
  };

  // Ids 0..2 are where llama.cpp's SPM defaults expect unk/bos/eos.
  const unk = add('<unk>', TokenType.UNKNOWN, 0);
  const bos = add('<s>', TokenType.CONTROL, 0);
  const eos = add('</s>', TokenType.CONTROL, 0);
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.BYTE, 0);
  }
  // Single characters score below every merged piece so they never win a merge tie.
  add(SPM_SPACE, TokenType.NORMAL, -1000);
  // Printable ASCII except the space, which SentencePiece never emits (it becomes U+2581).
  for (let code = 0x21; code <= 0x7e; code++) add(String.fromCharCode(code), TokenType.NORMAL, -1000);
  MERGED_PIECES.forEach((piece, rank) => add(piece, TokenType.NORMAL, -rank));
  // ChatML turn markers; CONTROL so they are only produced from special-token text.
  const imStart = add('<|im_start|>', TokenType.CONTROL, 0);
  const imEnd = add('<|im_end|>', TokenType.CONTROL, 0);

  return { tokens, scores, tokenTypes, ids: { unk, bos, eos, imStart, imEnd } };
}
