// Open-loop load at a fixed rate, in its own process, timing each request with hrtime
// (autocannon's latency histogram has 1 ms resolution; the targets here are sub-ms).
// argv[2]: JSON {url, headers, body, rate, durationMs, connections}; prints a summary.
import { Pool } from 'undici';
import { summarize } from './percentiles.js';

interface Options {
  url: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  durationMs: number;
  connections: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const target = new URL(options.url);
const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
const latencies: number[] = [];
let errors = 0;
let non2xx = 0;

async function one(): Promise<void> {
  const start = process.hrtime.bigint();
  try {
    const response = await pool.request({ path: target.pathname, method: 'POST', headers: options.headers, body: options.body });
    await response.body.dump();
    if (response.statusCode >= 300) non2xx++;
    else latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  } catch {
    errors++;
  }
}

// Warm the connections first so the first second does not measure connection set-up.
await Promise.all(Array.from({ length: options.connections }, one));
latencies.length = 0;

const inFlight = new Set<Promise<void>>();
const intervalMs = 1000 / options.rate;
const started = performance.now();
let sent = 0;
while (performance.now() - started < options.durationMs) {
  const due = Math.floor((performance.now() - started) / intervalMs);
  for (; sent < due; sent++) {
    const request = one().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  // Sleep until the next send is due: spinning on setImmediate would hold a whole core
  // that the gateway and the mock need (the latency is timed from each actual send).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (sent + 1) * intervalMs - (performance.now() - started))));
}
await Promise.all(inFlight);
await pool.close();
process.stdout.write(`${JSON.stringify({ ...summarize(latencies), sent, errors, non2xx, achievedRate: (sent * 1000) / options.durationMs })}\n`);
