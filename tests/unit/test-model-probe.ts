// Loads a GGUF with node-llama-cpp and prints one JSON line describing what it did.
// Run in a child process (`node --import tsx tests/unit/test-model-probe.ts MODEL`):
// llama.cpp aborts the whole process (exit 134) on some malformed files, which must not
// take the test runner down with it.
//   argv: MODEL_PATH [--threads N] [--max-tokens N] [--runs N]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LlamaChatSession, LlamaLogLevel, getLlama } from 'node-llama-cpp';

export interface ProbeReport {
  getLlamaMs: number;
  loadMs: number;
  contextSize: number;
  trainContextSize: number;
  vocabularyType: string;
  typeDescription: string;
  chatWrapper: string;
  roundTrips: Array<{ text: string; tokens: number; detokenized: string }>;
  specialTokens: { imStart: number[]; imEnd: number[]; eos: number | null; eot: number | null; bos: number | null };
  generations: Array<{ text: string; tokens: number; ms: number; tokensPerSecond: number }>;
  llamaLogs: string[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '16' },
    runs: { type: 'string', default: '2' },
  },
});
const modelPath = positionals[0];
if (!modelPath) throw new Error('usage: test-model-probe.ts MODEL_PATH [--threads N] [--max-tokens N] [--runs N]');
const threads = Number(values.threads);
const maxTokens = Number(values['max-tokens']);
const runs = Number(values.runs);

const llamaLogs: string[] = [];
const getLlamaStart = performance.now();
// gpu: false + build: 'never' = only the prebuilt CPU binary; never download or compile.
const llama = await getLlama({
  gpu: false,
  build: 'never',
  progressLogs: false,
  logLevel: LlamaLogLevel.warn,
  logger: (level, message) => llamaLogs.push(`${level}: ${message.trim()}`),
});
const getLlamaMs = performance.now() - getLlamaStart;

const loadStart = performance.now();
const model = await llama.loadModel({ modelPath });
const loadMs = performance.now() - loadStart;
const context = await model.createContext({ contextSize: 512, threads });

const texts = ['Hello, world! The quick brown fox: 0123456789 ~`{}|\\ "quoted"', 'in the\nnext\tline', 'héllo wörld ✓'];
const roundTrips = texts.map((text) => {
  const tokens = model.tokenize(text);
  return { text, tokens: tokens.length, detokenized: model.detokenize(tokens) };
});

const generations: ProbeReport['generations'] = [];
let chatWrapper = '';
for (let run = 0; run < runs; run++) {
  // A fresh sequence each run so both generations start from an empty KV cache.
  const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: 'auto' });
  chatWrapper = session.chatWrapper.wrapperName;
  let tokens = 0;
  const start = performance.now();
  const text = await session.prompt('Say something.', {
    maxTokens,
    temperature: 0,
    onToken: (chunk) => {
      tokens += chunk.length;
    },
  });
  const ms = performance.now() - start;
  generations.push({ text, tokens, ms, tokensPerSecond: (tokens / ms) * 1000 });
  session.dispose({ disposeSequence: true });
}

const report: ProbeReport = {
  getLlamaMs,
  loadMs,
  contextSize: context.contextSize,
  trainContextSize: model.trainContextSize,
  vocabularyType: String(model.vocabularyType),
  typeDescription: String(model.typeDescription),
  chatWrapper,
  roundTrips,
  specialTokens: {
    imStart: model.tokenize('<|im_start|>', true),
    imEnd: model.tokenize('<|im_end|>', true),
    eos: model.tokens.eos,
    eot: model.tokens.eot,
    bos: model.tokens.bos,
  },
  generations,
  llamaLogs,
};
await context.dispose();
await model.dispose();
await llama.dispose();
process.stdout.write(`${JSON.stringify(report)}\n`);
