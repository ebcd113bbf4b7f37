// `npm run bench`: gpuroute against the mock upstream called directly (the physical limit),
// a minimal Node.js proxy (the floor for any Node proxy here) and the Portkey gateway, in
// interleaved rounds, all on 127.0.0.1; then fresh gateways' first second. Writes docs/benchmarks.md and docs/benchmarks.png. Knobs: BENCH_ROUNDS, BENCH_SECONDS, BENCH_STREAMS.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startProcess, runJson, type BenchProcess } from './bench-process.js';
import { CHAT_BODY as BODY, jsonLine, ROOT, startGpuroute, startMockUpstream } from './bench-targets.js';
import { renderChart } from './chart.js';
import { measureFreshStart } from './fresh-start.js';
import { addDifference, quantileBoundMs, scrapeOverhead, type Buckets } from './overhead-histogram.js';
import { median } from './percentiles.js';
import { LABELS, TARGET_ORDER, writeReport, type Results, type TargetName } from './write-report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const CONNECTIONS = 64;
const RATE = 1000;
const STREAM_BODY = JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16, stream: true });
const HOLD_BODY = JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Say hello.' }], stream: true, bench_chunk_gap_ms: 1500 });

interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  process?: BenchProcess;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startTargets(): Promise<{ mock: BenchProcess; targets: Target[] }> {
  const mock = await startMockUpstream();
  const mockUrl = String(mock.ready.url);
  const gpuroute = await startGpuroute(mockUrl);
  const floor = await startProcess(process.execPath, [join(ROOT, 'bench/minimal-node-proxy.mjs'), mockUrl], jsonLine('url'));
  const portkeyPort = await freePort();
  const portkey = await startProcess(
    process.execPath,
    [join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'), '--headless', `--port=${portkeyPort}`],
    (line) => (line.includes('Ready for connections') ? {} : undefined),
  );
  const json = { 'content-type': 'application/json' };
  return {
    mock,
    targets: [
      { name: 'direct', url: `${mockUrl}/v1/chat/completions`, headers: json },
      { name: 'floor', url: `${String(floor.ready.url)}/v1/chat/completions`, headers: json, process: floor },
      { name: 'gpuroute', url: `${String(gpuroute.ready.url)}/v1/chat/completions`, headers: json, process: gpuroute },
      {
        name: 'portkey',
        url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
        headers: { ...json, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1`, authorization: 'Bearer x' },
        process: portkey,
      },
    ],
  };
}

async function interleaved<T>(targets: Target[], run: (t: Target) => Promise<T>): Promise<Record<TargetName, T[]>> {
  const out = { direct: [], floor: [], gpuroute: [], portkey: [] } as Record<TargetName, T[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      out[target.name].push(await run(target));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  return out;
}

function medians<T>(runs: Record<TargetName, T[]>, pick: (r: T) => number): Record<TargetName, number> {
  return Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, median((values as T[]).map(pick))])) as Record<TargetName, number>;
}

async function main(): Promise<void> {
  const { mock, targets } = await startTargets();
  const gateway = targets.find((t) => t.name === 'gpuroute')!.process!;
  const results: Partial<Results> = { rssIdleMb: gateway.rssMb() };
  try {
    process.stderr.write(`throughput: ${CONNECTIONS} connections, ${SECONDS}s, ${ROUNDS} rounds `);
    type Cannon = { requestsPerSecond: number; latency: { p50: number; p99: number }; non2xx: number; errors: number };
    const cannon = await interleaved(targets, (t) =>
      runJson<Cannon>(join(ROOT, 'bench/autocannon-run.ts'), { url: t.url, method: 'POST', headers: t.headers, body: BODY, connections: CONNECTIONS, duration: SECONDS }),
    );
    results.throughput = medians(cannon, (r) => r.requestsPerSecond);
    results.throughputErrors = medians(cannon, (r) => r.non2xx + r.errors);
    results.rssAfterLoadMb = gateway.rssMb();

    process.stderr.write(`latency at ${RATE} req/s (autocannon) `);
    const fixed = await interleaved(targets, (t) =>
      runJson<Cannon>(join(ROOT, 'bench/autocannon-run.ts'), { url: t.url, method: 'POST', headers: t.headers, body: BODY, connections: CONNECTIONS, duration: SECONDS, overallRate: RATE }),
    );
    results.cannonLatency = { p50: medians(fixed, (r) => r.latency.p50), p99: medians(fixed, (r) => r.latency.p99) };

    process.stderr.write(`latency at ${RATE} req/s (hrtime client) `);
    type Fixed = { p50: number; p99: number; errors: number; non2xx: number };
    const overhead: Buckets = new Map();
    const gatewayUrl = String(gateway.ready.url);
    const precise = await interleaved(targets, async (t) => {
      const before = t.process === gateway ? await scrapeOverhead(gatewayUrl) : undefined;
      const run = await runJson<Fixed>(join(ROOT, 'bench/fixed-rate-run.ts'), { url: t.url, headers: t.headers, body: BODY, rate: RATE, durationMs: SECONDS * 1000, connections: CONNECTIONS });
      if (before) addDifference(overhead, before, await scrapeOverhead(gatewayUrl));
      return run;
    });
    results.latency = { p50: medians(precise, (r) => r.p50), p99: medians(precise, (r) => r.p99) };
    results.gatewayOverhead = { p50: quantileBoundMs(overhead, 0.5), p99: quantileBoundMs(overhead, 0.99) };

    process.stderr.write('streaming: first and last byte ');
    type Stream = { firstByte: { p50: number }; lastByte: { p50: number }; failures: number };
    const streams = await interleaved(targets, (t) => runJson<Stream>(join(ROOT, 'bench/stream-run.ts'), { url: t.url, headers: t.headers, body: STREAM_BODY, count: 200 }));
    results.ttfb = medians(streams, (r) => r.firstByte.p50);
    results.ttlb = medians(streams, (r) => r.lastByte.p50);

    process.stderr.write(`${STREAMS} open streams\n`);
    results.held = {} as Results['held'];
    for (const t of targets) {
      let rss = Number.NaN;
      const summary = await runJson<{ held: number; completed: number; failed: number }>(
        join(ROOT, 'bench/hold-streams-run.ts'),
        { url: t.url, headers: t.headers, body: HOLD_BODY, streams: STREAMS },
        (line) => {
          if ('held' in line && !('done' in line)) rss = (t.process ?? mock).rssMb();
        },
      );
      results.held[t.name] = { ...summary, rssMb: rss };
    }

    process.stderr.write(`fresh gateways: first second at ${RATE} req/s `);
    results.fresh = await measureFreshStart(String(mock.ready.url), ROUNDS, RATE);
  } finally {
    await Promise.all([mock.stop(), ...targets.map((t) => t.process?.stop())]);
  }
  const full = results as Results;
  full.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  full.settings = { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, rate: RATE, streams: STREAMS };
  writeFileSync(join(ROOT, 'docs/benchmarks.png'), renderChart([
    { title: 'Throughput, 64 connections', unit: 'requests/s (higher is better)', bars: TARGET_ORDER.map((n) => ({ label: LABELS[n], value: full.throughput[n] })) },
    { title: `p99 latency at ${RATE} req/s`, unit: 'ms (lower is better)', bars: TARGET_ORDER.map((n) => ({ label: LABELS[n], value: full.latency.p99[n] })) },
  ]));
  const report = writeReport(full);
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), report.markdown);
  process.stdout.write(`${report.summary}\n`);
}

await main();
