// Builds the project's own tiny Llama GGUF so tests and `npm start` can run a real
// llama.cpp worker without reaching a model hub. The weights are seeded noise: the model
// produces gibberish, but deterministically, through the real tokenizer, ChatML chat
// template and inference path.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { encodeGguf, gguf, type GgmlTensorType, type GgufTensor, type GgufValue } from './gguf-writer.js';
import { mulberry32, randomTensorData } from './seeded-random.js';
import { TokenType, buildTestVocab } from './test-vocab.js';

export const TEST_MODEL_SEED = 42;
/** Suggested file name; bump the suffix when the generator's output changes. */
export const TEST_MODEL_FILE_NAME = 'gpuroute-test-model-v1.gguf';
export const TEST_MODEL_NAME = 'gpuroute test model';

export interface TestModelOptions {
  /** PRNG seed for the weights; defaults to TEST_MODEL_SEED. */
  seed?: number;
  /**
   * Storage type of the 2-D weight matrices (norm vectors always stay F32, as llama.cpp's
   * converters do). F16 halves the file; F32, the default, stores the generated weights
   * exactly. (With the default seed both give the same greedy text.)
   */
  weightType?: GgmlTensorType;
}

export const TEST_MODEL_SHAPE = {
  contextLength: 2048,
  embeddingLength: 128,
  blockCount: 4,
  feedForwardLength: 256,
  headCount: 4,
  headCountKv: 2,
  rmsEpsilon: 1e-5,
  ropeFreqBase: 10000,
} as const;

export const TEST_MODEL_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * Token embeddings use the usual 0.02 init. Projection weights use 0.1: with rows of 128
 * or 256 inputs a projection's output std is ~0.1 * sqrt(128) = 1.1, so activations stay
 * O(1) (every block input is RMS-normed anyway). At 0.02 the attention/FFN signal is so
 * weak that greedy decoding collapses into repeating one character ("RRRR..."); at 0.1
 * it produces varied, prompt-dependent text.
 */
const EMBEDDING_STD = 0.02;
const PROJECTION_STD = 0.1;
/**
 * The output head is scaled so logits spread by ~2 (std) after the final RMS norm:
 * greedy decoding then has clear winners that float rounding between thread counts
 * cannot flip, and sampling at temperature 1 is not uniform noise.
 */
const OUTPUT_LOGIT_STD = 2;

function tokenizerMetadata(): Array<[string, GgufValue]> {
  const vocab = buildTestVocab();
  return [
    ['tokenizer.ggml.model', gguf.str('llama')],
    ['tokenizer.ggml.tokens', gguf.strs(vocab.tokens)],
    ['tokenizer.ggml.scores', gguf.f32s(vocab.scores)],
    ['tokenizer.ggml.token_type', gguf.i32s(vocab.tokenTypes)],
    ['tokenizer.ggml.bos_token_id', gguf.u32(vocab.ids.bos)],
    // <|im_end|> ends a ChatML turn, so it is both EOS and EOT: generation stops there.
    ['tokenizer.ggml.eos_token_id', gguf.u32(vocab.ids.imEnd)],
    ['tokenizer.ggml.eot_token_id', gguf.u32(vocab.ids.imEnd)],
    ['tokenizer.ggml.unknown_token_id', gguf.u32(vocab.ids.unk)],
    ['tokenizer.ggml.padding_token_id', gguf.u32(vocab.ids.unk)],
    // ChatML (as Qwen models do) starts straight with <|im_start|>, no BOS.
    ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    // SPM's default prefix space would be inserted after every special token, turning
    // "<|im_start|>user" into "<|im_start|>▁user"; text round-trips exactly without it.
    ['tokenizer.ggml.add_space_prefix', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.str(TEST_MODEL_CHAT_TEMPLATE)],
  ];
}

function modelMetadata(vocabSize: number, weightType: GgmlTensorType): Array<[string, GgufValue]> {
  const s = TEST_MODEL_SHAPE;
  return [
    ['general.architecture', gguf.str('llama')],
    ['general.name', gguf.str(TEST_MODEL_NAME)],
    ['general.file_type', gguf.u32(weightType === 'F32' ? 0 : 1)], // LLAMA_FTYPE_ALL_F32 / MOSTLY_F16
    ['general.alignment', gguf.u32(32)],
    ['llama.vocab_size', gguf.u32(vocabSize)],
    ['llama.context_length', gguf.u32(s.contextLength)],
    ['llama.embedding_length', gguf.u32(s.embeddingLength)],
    ['llama.block_count', gguf.u32(s.blockCount)],
    ['llama.feed_forward_length', gguf.u32(s.feedForwardLength)],
    ['llama.attention.head_count', gguf.u32(s.headCount)],
    ['llama.attention.head_count_kv', gguf.u32(s.headCountKv)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.f32(s.rmsEpsilon)],
    // llama.cpp rejects a rope dimension other than the head size for this architecture.
    ['llama.rope.dimension_count', gguf.u32(s.embeddingLength / s.headCount)],
    ['llama.rope.freq_base', gguf.f32(s.ropeFreqBase)],
  ];
}

function modelTensors(seed: number, weightType: GgmlTensorType): GgufTensor[] {
  const s = TEST_MODEL_SHAPE;
  const vocab = buildTestVocab();
  const nVocab = vocab.tokens.length;
  const nEmbd = s.embeddingLength;
  const nEmbdKv = (nEmbd / s.headCount) * s.headCountKv;
  const random = mulberry32(seed);
  const matrix = (name: string, dims: number[], data: Float32Array): GgufTensor => ({ name, dims, type: weightType, data });
  const noise = (name: string, dims: number[]): GgufTensor =>
    matrix(name, dims, randomTensorData(random, dims.reduce((a, b) => a * b, 1), PROJECTION_STD));
  const ones = (name: string, size: number): GgufTensor => ({ name, dims: [size], type: 'F32', data: new Float32Array(size).fill(1) });

  // Only NORMAL tokens get output weights; every other row is zero, so its logit is 0
  // and loses to the best of ~120 random logits. The model thus never emits bytes (no
  // broken UTF-8), control tokens or <|im_end|> in practice: it runs to max tokens, so
  // tests get a predictable length and must use max_tokens or stop strings to end it.
  const outputStd = OUTPUT_LOGIT_STD / Math.sqrt(nEmbd);
  const output = new Float32Array(nVocab * nEmbd);
  const normalOutput = randomTensorData(random, nVocab * nEmbd, outputStd);
  vocab.tokenTypes.forEach((type, token) => {
    if (type === TokenType.NORMAL) output.set(normalOutput.subarray(token * nEmbd, (token + 1) * nEmbd), token * nEmbd);
  });

  const tensors = [matrix('token_embd.weight', [nEmbd, nVocab], randomTensorData(random, nEmbd * nVocab, EMBEDDING_STD))];
  for (let layer = 0; layer < s.blockCount; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      ones(`${blk}.attn_norm.weight`, nEmbd),
      noise(`${blk}.attn_q.weight`, [nEmbd, nEmbd]),
      noise(`${blk}.attn_k.weight`, [nEmbd, nEmbdKv]),
      noise(`${blk}.attn_v.weight`, [nEmbd, nEmbdKv]),
      noise(`${blk}.attn_output.weight`, [nEmbd, nEmbd]),
      ones(`${blk}.ffn_norm.weight`, nEmbd),
      noise(`${blk}.ffn_gate.weight`, [nEmbd, s.feedForwardLength]),
      noise(`${blk}.ffn_up.weight`, [nEmbd, s.feedForwardLength]),
      noise(`${blk}.ffn_down.weight`, [s.feedForwardLength, nEmbd]),
    );
  }
  // A separate output head (rather than tying it to token_embd) keeps greedy decoding
  // from simply repeating the last input token.
  tensors.push(ones('output_norm.weight', nEmbd), matrix('output.weight', [nEmbd, nVocab], output));
  return tensors;
}

/** The test model as GGUF bytes; identical bytes for identical seeds. */
export function encodeTestModel(options?: TestModelOptions): Buffer {
  const seed = options?.seed ?? TEST_MODEL_SEED;
  const weightType = options?.weightType ?? 'F32';
  const vocabSize = buildTestVocab().tokens.length;
  return encodeGguf({
    metadata: [...modelMetadata(vocabSize, weightType), ...tokenizerMetadata()],
    tensors: modelTensors(seed, weightType),
  });
}

/** Writes the test model to `path` (not atomically; see ensureTestModel). */
export async function makeTestModel(path: string, options?: TestModelOptions): Promise<void> {
  await writeFile(path, encodeTestModel(options));
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes the test model to `path` unless a file is already there. The bytes go to a
 * temp file in the same directory and are renamed into place, so a concurrent caller
 * (or a worker loading the model) never sees a half-written file; if two callers race,
 * both rename identical bytes and either result is fine.
 */
export async function ensureTestModel(path: string, options?: TestModelOptions): Promise<{ created: boolean }> {
  if (await fileExists(path)) return { created: false };
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomUUID()}.tmp`);
  try {
    await makeTestModel(temp, options);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { created: true };
}
