// `npm run profile`: gpuroute under `node --cpu-prof` while autocannon loads it through the
// mock upstream (64 connections), then a flame graph of where its CPU time went, per
// request, in docs/flamegraph.svg, and the hottest functions on stdout. Profile before
// optimising (issue 4 §3). Knob: PROFILE_SECONDS (default 10).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJson } from './bench-process.js';
import { CHAT_BODY, ROOT, startGpuroute, startMockUpstream } from './bench-targets.js';
import { callTree, flameGraphSvg, hottest, type CpuProfile } from './flame-graph.js';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);

const profiles = mkdtempSync(join(tmpdir(), 'gpuroute-profile-'));
const mock = await startMockUpstream();
const gateway = await startGpuroute(String(mock.ready.url), ['--cpu-prof', `--cpu-prof-dir=${profiles}`]);
let requests = 0;
try {
  const load = await runJson<{ total: number; requestsPerSecond: number }>(join(ROOT, 'bench/autocannon-run.ts'), {
    url: `${String(gateway.ready.url)}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: CHAT_BODY,
    connections: 64,
    duration: SECONDS,
  });
  requests = load.total;
  process.stderr.write(`${requests} requests in ${SECONDS} s (${Math.round(load.requestsPerSecond)} req/s)\n`);
} finally {
  // The profile is written when the gateway exits.
  await gateway.stop();
  await mock.stop();
}
const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`the gateway wrote no .cpuprofile into ${profiles}`);
const root = callTree(JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile);
const perRequest = Math.max(requests, 1);
writeFileSync(
  join(ROOT, 'docs/flamegraph.svg'),
  flameGraphSvg(root, {
    title: `gpuroute CPU time, ${requests} proxied chat completions at 64 connections (start-up included)`,
    subtitle: `${(root.totalUs / perRequest).toFixed(1)} µs of CPU per request; orange: gpuroute, green: dependencies, blue: Node's JavaScript, grey: V8 and native (writev: the socket writes). Hover for figures.`,
    perUnit: perRequest,
  }),
);
process.stdout.write(`wrote docs/flamegraph.svg; busy ${(root.totalUs / perRequest).toFixed(1)} µs per request; hottest functions (self time):\n`);
for (const frame of hottest(root, 20)) {
  process.stdout.write(`${(frame.selfUs / perRequest).toFixed(2).padStart(7)} µs  ${frame.name}  (${frame.where})\n`);
}
