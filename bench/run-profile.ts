// `npm run profile`: gpuroute under `node --cpu-prof` while autocannon loads it through the
// mock upstream (64 connections), then a flame graph of where its CPU time went, per
// request, in docs/flamegraph.svg, and the hottest functions on stdout. Profile before
// optimising (issue 4 §3). Knob: PROFILE_SECONDS (default 10).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJson, startProcess } from './bench-process.js';
import { callTree, flameGraphSvg, hottest, type CpuProfile } from './flame-graph.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const BODY = JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 });

const work = mkdtempSync(join(tmpdir(), 'gpuroute-profile-'));
const mock = await startProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/mock-upstream-server.ts')], (line) =>
  line.includes('"url"') ? (JSON.parse(line) as Record<string, unknown>) : undefined,
);
const config = join(work, 'gpuroute.yaml');
writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${String(mock.ready.url)}/v1"]\n`);
const gateway = await startProcess(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${work}`, join(ROOT, 'bin/gpuroute.js'), 'serve', '--config', config, '--port', '0'],
  (line) => (line.includes('"gpuroute listening"') ? (JSON.parse(line) as Record<string, unknown>) : undefined),
);
let requests = 0;
try {
  const url = `${String(gateway.ready.url)}/v1/chat/completions`;
  const load = await runJson<{ total: number; requestsPerSecond: number }>(join(ROOT, 'bench/autocannon-run.ts'), {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
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
const file = readdirSync(work).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`the gateway wrote no .cpuprofile into ${work}`);
const root = callTree(JSON.parse(readFileSync(join(work, file), 'utf8')) as CpuProfile);
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
