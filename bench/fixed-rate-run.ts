// Open-loop load at a fixed rate, in its own process, timing each request with hrtime
// (autocannon's latency histogram has 1 ms resolution; the targets here are sub-ms).
// argv[2]: JSON {url, headers, body, rate, durationMs, connections, coldConnections?};
// prints p50, p99, mean, max and the longest gap in which no answer arrived (a stall of the
// target, seen from outside). `coldConnections`: no warm-up calls first, for what a server
// that has just started gives the traffic a load balancer sends it at once.
import { Pool } from 'undici';
import { summarize } from './percentiles.js';

interface Options {
  url: string;
  headers: Record<string, string>;
  body: string;
  rate: number;
  durationMs: number;
  connections: number;
  coldConnections?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const target = new URL(options.url);
const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
const latencies: number[] = [];
const answeredAt: number[] = [];
let errors = 0;
let non2xx = 0;

async function one(): Promise<void> {
  const start = process.hrtime.bigint();
  try {
    const response = await pool.request({ path: target.pathname, method: 'POST', headers: options.headers, body: options.body });
    await response.body.dump();
    if (response.statusCode >= 300) non2xx++;
    else latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    answeredAt.push(performance.now());
  } catch {
    errors++;
  }
}

if (!options.coldConnections) {
  // Warm the connections first so the first second does not measure connection set-up.
  await Promise.all(Array.from({ length: options.connections }, one));
  latencies.length = 0;
  answeredAt.length = 0;
}

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
let longestGap = (answeredAt[0] ?? started) - started;
for (let i = 1; i < answeredAt.length; i++) longestGap = Math.max(longestGap, answeredAt[i]! - answeredAt[i - 1]!);
const max = latencies.reduce((m, v) => Math.max(m, v), 0);
process.stdout.write(`${JSON.stringify({ ...summarize(latencies), max, longestGap, sent, errors, non2xx, achievedRate: (sent * 1000) / options.durationMs })}\n`);
