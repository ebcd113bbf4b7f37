import type { FreshStart } from './fresh-start.js';

export type TargetName = 'direct' | 'floor' | 'gpuroute' | 'portkey';
export const TARGET_ORDER: readonly TargetName[] = ['direct', 'floor', 'gpuroute', 'portkey'];
export const LABELS: Record<TargetName, string> = { direct: 'direct', floor: 'node floor', gpuroute: 'gpuroute', portkey: 'portkey' };
type PerTarget = Record<TargetName, number>;

export interface Results {
  machine: string;
  settings: { rounds: number; seconds: number; connections: number; rate: number; streams: number };
  throughput: PerTarget;
  throughputErrors: PerTarget;
  cannonLatency: { p50: PerTarget; p99: PerTarget };
  latency: { p50: PerTarget; p99: PerTarget };
  /** Bucket bounds (ms) of the gateway's own overhead histogram over the hrtime runs. */
  gatewayOverhead: { p50: number; p99: number };
  ttfb: PerTarget;
  ttlb: PerTarget;
  held: Record<TargetName, { held: number; completed: number; failed: number; rssMb: number }>;
  rssIdleMb: number;
  rssAfterLoadMb: number;
  fresh: FreshStart;
}

interface Check {
  target: string;
  measured: string;
  pass: boolean;
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The issue's targets (issue 4 §2), as ratios and differences measured in one run. */
export function checks(r: Results): Check[] {
  const vsPortkey = r.throughput.gpuroute / r.throughput.portkey;
  const vsDirect = r.throughput.gpuroute / r.throughput.direct;
  const p99Added = r.latency.p99.gpuroute - r.latency.p99.direct;
  const p50Added = r.latency.p50.gpuroute - r.latency.p50.direct;
  const ttfbAdded = r.ttfb.gpuroute - r.ttfb.direct;
  const rss = r.held.gpuroute.rssMb;
  return [
    { target: 'Throughput ≥ 10× Portkey', measured: `${f(vsPortkey, 1)}×`, pass: vsPortkey >= 10 },
    { target: 'Throughput ≥ 40 % of direct', measured: `${f(vsDirect * 100, 0)} %`, pass: vsDirect >= 0.4 },
    { target: `p99 added at ${r.settings.rate} req/s ≤ 1 ms`, measured: `${f(p99Added, 3)} ms`, pass: p99Added <= 1 },
    { target: `p50 added at ${r.settings.rate} req/s ≤ 0.3 ms`, measured: `${f(p50Added, 3)} ms`, pass: p50Added <= 0.3 },
    { target: 'Stream time to first byte added ≤ 1 ms', measured: `${f(ttfbAdded, 3)} ms`, pass: ttfbAdded <= 1 },
    { target: `RSS ≤ 100 MB with ${r.settings.streams} open streams`, measured: `${f(rss, 1)} MB (${r.held.gpuroute.held} held, ${r.held.gpuroute.completed} completed)`, pass: rss <= 100 && r.held.gpuroute.completed === r.settings.streams },
  ];
}

function row(label: string, values: PerTarget, digits: number, unit = ''): string {
  return `| ${label} | ${TARGET_ORDER.map((n) => `${f(values[n], digits)}${unit}`).join(' | ')} |`;
}

/** The same ratios for the minimal Node proxy: what the hardware and Node leave to any proxy. */
function floorLine(r: Results): string {
  const pct = (n: TargetName) => f((r.throughput[n] / r.throughput.direct) * 100, 0);
  return `The minimal Node.js proxy (bench/minimal-node-proxy.mjs: node:http in, one undici pool out, no
routing, keys, stamping, metrics or logs) reached ${pct('floor')} % of direct and ${f(r.throughput.floor / r.throughput.portkey, 1)}× Portkey in
the same run, with p50/p99 added at ${r.settings.rate} req/s of ${f(r.latency.p50.floor - r.latency.p50.direct, 3)} / ${f(r.latency.p99.floor - r.latency.p99.direct, 3)} ms and
${f(r.held.floor.rssMb, 1)} MB RSS holding the ${r.settings.streams} streams; gpuroute reached ${pct('gpuroute')} % of direct, ${f(r.throughput.gpuroute / r.throughput.floor * 100, 0)} % of the floor.
gpuroute's own work per call in the ${r.settings.rate} req/s runs (its overhead histogram on /metrics: total time
minus time waiting on the upstream): p50 ≤ ${f(r.gatewayOverhead.p50, 2)} ms, p99 ≤ ${f(r.gatewayOverhead.p99, 2)} ms (bucket bounds).`;
}

/** A fresh gateway's first second, with and without startup.warm_calls. */
function freshSection(r: Results): string {
  const { warmedUp, cold, warm, startMs, rssMb } = r.fresh;
  const cells = (x: FreshStart['warm']) => `${f(x.p50, 1)} | ${f(x.p99, 1)} | ${f(x.max, 1)}`;
  return `## A fresh gateway

A load balancer sends a replica full traffic as soon as it listens. Each round starts gpuroute anew
and sends ${r.settings.rate} req/s from its first request (64 new connections, no warm-up on the client side),
for one second, then the same second again; medians of ${r.settings.rounds} starts each (bench/fresh-start.ts).

| first second at ${r.settings.rate} req/s | p50 ms | p99 ms | max ms |
|---|---|---|---|
| fresh, \`startup.warm_calls: 0\` | ${cells(cold)} |
| fresh, default warm-up (2000 calls) | ${cells(warmedUp)} |
| the same gateway's second run | ${cells(warm)} |

Without a warm-up, V8 runs the request path in its interpreter while it compiles it: every call
costs several times its warm CPU, the gateway's core is saturated, and calls queue for the whole
first second. \`startup.warm_calls\` (src/commands/warm-hot-path.ts) sends that many calls through a
throwaway copy of the gateway, on loopback against a stand-in upstream, before the real one
listens; the compiled code is shared, so the real gateway starts warm. It touches no pool, Redis
key, metric or request log. It costs start-up time and memory: spawn to listening took ${f(startMs.cold, 0)} ms
without it and ${f(startMs.warmedUp, 0)} ms with it, and the process held ${f(rssMb.cold, 1)} MB RSS just after the start without
it and ${f(rssMb.warmedUp, 1)} MB with it (the heap the throwaway calls grew, which V8 keeps). What remains above
the warm run is the first use of each new connection, in and out, and functions V8 optimises
only after more calls than the warm-up makes. Set \`startup.warm_calls: 0\` where start time
or idle memory matters more than the first second.`;
}

export function writeReport(r: Results): { markdown: string; summary: string } {
  const list = checks(r);
  const held = (n: TargetName) =>
    r.held[n].held === 0 ? `all ${r.held[n].failed} failed` : `${r.held[n].held} held, ${r.held[n].completed} completed, RSS ${f(r.held[n].rssMb, 1)} MB`;
  const markdown = `# Benchmarks

Written by \`npm run bench\` (bench/run-bench.ts). Everything runs on 127.0.0.1: a fast
OpenAI-compatible mock upstream in its own process; gpuroute (built, \`gpuroute serve\`) with one
pool pointing at it; the Portkey AI gateway (\`@portkey-ai/gateway@1.15.2\`, \`--headless\`, custom
host pointing at the mock); a minimal Node.js proxy, the floor for any proxy written in Node
here; and the mock called directly, the physical limit. Load comes from
separate processes: autocannon for throughput, and an open-loop client timing each request with
\`process.hrtime\` for latency (autocannon's latency histogram has 1 ms resolution, too coarse for
sub-millisecond targets; its figures are shown too). Every target gets the same body and
${r.settings.connections} connections; rounds are interleaved (direct, node floor, gpuroute, portkey; repeat) and the
table shows medians of ${r.settings.rounds} rounds of ${r.settings.seconds} s.

Machine: ${r.machine}. The load generator, the gateway under test and the mock share its cores.

![throughput and latency](benchmarks.png)

## Targets

| target | measured | met |
|---|---|---|
${list.map((c) => `| ${c.target} | ${c.measured} | ${c.pass ? 'yes' : '**no**'} |`).join('\n')}

## Figures

| scenario | direct | node floor | gpuroute | portkey |
|---|---|---|---|---|
${row('Throughput, req/s', r.throughput, 0)}
${row('Failed requests in throughput runs', r.throughputErrors, 0)}
${row(`p50 latency at ${r.settings.rate} req/s, ms (hrtime)`, r.latency.p50, 3)}
${row(`p99 latency at ${r.settings.rate} req/s, ms (hrtime)`, r.latency.p99, 3)}
${row(`p50 latency at ${r.settings.rate} req/s, ms (autocannon)`, r.cannonLatency.p50, 0)}
${row(`p99 latency at ${r.settings.rate} req/s, ms (autocannon)`, r.cannonLatency.p99, 0)}
${row('Stream: time to first byte, p50 ms', r.ttfb, 3)}
${row('Stream: time to last byte, p50 ms', r.ttlb, 3)}
| ${r.settings.streams} streams held open at once | ${held('direct')} (mock) | ${held('floor')} | ${held('gpuroute')} | ${held('portkey')} |

${Number.isFinite(r.ttfb.portkey) ? '' : `Portkey's streaming columns are empty because every streamed call to it failed: version 1.15.2 on
Node answers \`stream: true\` with HTTP 500 \`{"status":"failure"}\` and logs \`TypeError: immutable\` from its
response service, which appends headers to a fetch Response it may not change (Portkey-AI/gateway#1550,
also with @hono/node-server pinned to 1.14.2 as #1389 suggests).

`}gpuroute RSS: ${f(r.rssIdleMb, 1)} MB idle after start, ${f(r.rssAfterLoadMb, 1)} MB after the throughput runs.

${floorLine(r)}

Where gpuroute's CPU time goes, per request: [flamegraph.svg](flamegraph.svg), drawn by \`npm run profile\`.

${freshSection(r)}
`;
  const summary = [
    ...list.map((c) => `${c.pass ? 'PASS' : 'MISS'}  ${c.target}: ${c.measured}`),
    `fresh gateway, first second p99: ${f(r.fresh.cold.p99, 1)} ms without the warm-up, ${f(r.fresh.warmedUp.p99, 1)} ms with it (${f(r.fresh.warm.p99, 1)} ms warm)`,
  ].join('\n');
  return { markdown, summary };
}
