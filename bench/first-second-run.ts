// Open-loop load from the very first request, with no connection warm-up: what a gateway
// that has just started gives the traffic a load balancer sends it at once.
// argv[2]: JSON {url, headers, body, rate, durationMs, connections}; prints p50, p99, max and
// the longest gap in which no answer arrived (the gateway's stall, seen from outside).
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
const answeredAt: number[] = [];
let errors = 0;
let non2xx = 0;
const started = performance.now();

async function one(): Promise<void> {
  const start = performance.now();
  try {
    const response = await pool.request({ path: target.pathname, method: 'POST', headers: options.headers, body: options.body });
    await response.body.dump();
    if (response.statusCode >= 300) non2xx++;
    else latencies.push(performance.now() - start);
    answeredAt.push(performance.now() - started);
  } catch {
    errors++;
  }
}

const inFlight = new Set<Promise<void>>();
const intervalMs = 1000 / options.rate;
let sent = 0;
while (performance.now() - started < options.durationMs) {
  const due = Math.floor((performance.now() - started) / intervalMs);
  for (; sent < due; sent++) {
    const request = one().finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (sent + 1) * intervalMs - (performance.now() - started))));
}
await Promise.all(inFlight);
await pool.close();
let longestGap = answeredAt[0] ?? 0;
for (let i = 1; i < answeredAt.length; i++) longestGap = Math.max(longestGap, answeredAt[i]! - answeredAt[i - 1]!);
const max = latencies.reduce((m, v) => Math.max(m, v), 0);
process.stdout.write(`${JSON.stringify({ ...summarize(latencies), max, longestGap, sent, errors, non2xx })}\n`);
