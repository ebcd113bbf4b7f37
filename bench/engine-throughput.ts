// `npm run bench`, last step: the built-in engine's generated tokens per second with 1, 4
// and 16 streams at once on one worker (the generated test model, CPU), without batching
// (--parallel 1: one generation at a time) and with it (--parallel 4: four sequences in one
// context). Prints the table and writes docs/engine-benchmarks.md. Knobs: BENCH_ENGINE_TOKENS, and
// BENCH_ENGINE_MODEL=FILE.gguf to measure real weights (on the GPU when llama.cpp finds one).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { testModelPath } from '../src/pools/resolve-weights.js';
import { modelsDirWithTestModel } from '../tests/helpers/test-model.js';
import { startProcess, type BenchProcess } from './bench-process.js';
import { ROOT } from './bench-targets.js';
import { median } from './percentiles.js';

const TOKENS = Number(process.env.BENCH_ENGINE_TOKENS ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 4, 16];
const PARALLEL = [1, 4];
const REAL_MODEL = process.env.BENCH_ENGINE_MODEL;

/** One streamed chat call; resolves to the completion tokens its usage chunk reports. */
async function stream(url: string, i: number): Promise<number> {
  const body = { model: 'tiny', messages: [{ role: 'user', content: `Story number ${i}` }], max_tokens: TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } };
  const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const usage = /"completion_tokens":(\d+)/.exec(text);
  if (!response.ok || !usage) throw new Error(`stream ${i} failed: ${response.status} ${text.slice(0, 200)}`);
  return Number(usage[1]);
}

async function tokensPerSecond(url: string, streams: number): Promise<number> {
  await stream(url, -1); // warm the sequence's first evaluation
  const started = performance.now();
  const tokens = await Promise.all(Array.from({ length: streams }, (_, i) => stream(url, i)));
  return tokens.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}

async function startWorker(model: string, parallel: number): Promise<BenchProcess> {
  const worker = await startProcess(process.execPath, [join(ROOT, 'bin/gpuroute.js'), 'worker', '--model', model, ...(REAL_MODEL ? [] : ['--cpu']), '--label', 'tiny', '--parallel', String(parallel)], (line) =>
    line.includes('"worker listening"') ? (JSON.parse(line) as Record<string, unknown>) : undefined,
  );
  while (((await (await fetch(`${String(worker.ready.url)}/health`)).json()) as { status: string }).status !== 'ready') await new Promise((r) => setTimeout(r, 100));
  return worker;
}

async function main(): Promise<void> {
  const model = REAL_MODEL ?? testModelPath(await modelsDirWithTestModel());
  const load = loadavg()[0]!.toFixed(1);
  const workers = await Promise.all(PARALLEL.map((parallel) => startWorker(model, parallel)));
  const runs: Record<number, Record<number, number[]>> = Object.fromEntries(PARALLEL.map((p) => [p, Object.fromEntries(CONCURRENCY.map((c) => [c, []]))]));
  try {
    // Rounds interleave the two workers, so a burst of other load on the machine hits both.
    for (let round = 0; round < ROUNDS; round++) {
      for (const streams of CONCURRENCY) {
        for (const [i, parallel] of PARALLEL.entries()) {
          runs[parallel]![streams]!.push(await tokensPerSecond(String(workers[i]!.ready.url), streams));
          process.stderr.write('.');
        }
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  const rows = Object.fromEntries(PARALLEL.map((p) => [p, Object.fromEntries(CONCURRENCY.map((c) => [c, median(runs[p]![c]!)]))])) as Record<number, Record<number, number>>;
  process.stderr.write('\n');
  const header = `| worker | ${CONCURRENCY.map((c) => `${c} stream${c > 1 ? 's' : ''}`).join(' | ')} |`;
  const table = [
    header,
    `|---|${CONCURRENCY.map(() => '---:').join('|')}|`,
    ...PARALLEL.map((p) => `| \`--parallel ${p}\`${p === 1 ? ' (before batching)' : ' (batched)'} | ${CONCURRENCY.map((c) => rows[p]![c]!.toFixed(0)).join(' | ')} |`),
  ].join('\n');
  const markdown = `# Built-in engine: generated tokens per second

Written by \`npm run bench\` (bench/engine-throughput.ts). One \`gpuroute worker\` on ${REAL_MODEL ? `\`${REAL_MODEL}\`` : 'the generated\ntest model (CPU, 1 llama.cpp thread)'}, ${TOKENS} tokens per streamed chat call, all streams started
at once; the figure is every stream's completion tokens over the wall time until the last ends,
the median of ${ROUNDS} rounds that alternate between the two workers.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; load average ${load} when the run began
(anything above the core count means other processes shared the cores, and the figures are noisy).

${table}
`;
  writeFileSync(join(ROOT, 'docs/engine-benchmarks.md'), markdown);
  process.stdout.write(`Built-in engine, generated tokens/s (${TOKENS} tokens per stream):\n${table}\n`);
}

await main();
