import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { CHAT } from '../helpers/fleet.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-request.js';
import { malformedRequest, type FuzzRequest } from './malformed-requests.js';

const REQUESTS = 10_000;
const IN_FLIGHT = 32;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

// The limit is a backstop for a loaded machine (about 2 minutes on 2 shared cores at load 19);
// a request that hangs is reported sooner, by rawRequest's idle limit.
describe('fuzz: 10,000 malformed requests against every route', { timeout: 600_000 }, () => {
  let mock: MockUpstream;
  let gateway: ServingProcess;
  before(async () => {
    mock = await startMockUpstream('any');
    const config = join(mkdtempSync(join(tmpdir(), 'gpuroute-fuzz-')), 'gpuroute.yaml');
    writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
    const collectBeforeMetrics = fileURLToPath(new URL('../helpers/collect-garbage-before-metrics.mjs', import.meta.url));
    gateway = await startServing(process.execPath, ['--expose-gc', '--import', collectBeforeMetrics, BIN, 'serve', '--config', config, '--port', '0'], { GPUROUTE_API_KEYS: '' });
  });
  after(async () => {
    await gateway?.stop();
    await mock?.close();
  });

  /**
   * One fresh connection per request, and a status line counts as the answer however early
   * it came: the gateway may answer a bad URL or an oversized header block before the body
   * is in, then close, and the client's write of the rest fails (tests/helpers/raw-request.ts).
   * Pooled clients (undici's Pool, node's Agent) would hand such a closed socket to the next
   * request, which would then fail without reaching the gateway.
   */
  function send(request: FuzzRequest): Promise<RawAnswer> {
    return rawRequest(gateway.url, request);
  }

  async function heapUsedMb(): Promise<number> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^gpuroute_process_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20;
  }

  /** The smallest heap seen over 8 rounds of ordinary calls (the gateway collects garbage before each /metrics). */
  async function lowestHeapUnderTraffic(): Promise<number> {
    let lowest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 8; round++) {
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 40; i++) assert.equal((await send({ method: 'POST', path: '/v1/chat/completions', headers: ['content-type', 'application/json'], body: JSON.stringify(CHAT) })).status, 200);
      }));
      lowest = Math.min(lowest, await heapUsedMb());
    }
    return lowest;
  }

  it('never answers 5xx, stays up, adds no series or pools, and gives memory back', async () => {
    const pid = gateway.child.pid!;
    const heapBefore = await lowestHeapUnderTraffic();
    const baseline = rssMb(pid);

    const failures: string[] = [];
    const dropped: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < REQUESTS) {
          const request = malformedRequest(next++);
          try {
            const { status, text } = await send(request);
            if (status >= 500) failures.push(`${status} ${request.method} ${request.path.slice(0, 80)}: ${text.slice(0, 160)}`);
          } catch (error) {
            dropped.push(`${request.method} ${request.path.slice(0, 80)}: ${(error as Error).message} [${request.headers.map((h) => h.slice(0, 30) + ':' + h.length).join(' ')}] body ${request.body?.length}`);
          }
        }
      }),
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} answers were 5xx`);
    assert.deepEqual(dropped.slice(0, 10), [], `${dropped.length} requests got no answer`);

    assert.equal(gateway.child.exitCode, null, 'the gateway process is alive');
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { pools: Record<string, number> };
    assert.ok(Object.values(health.pools).reduce((a, b) => a + b, 0) <= 60, `pools: ${JSON.stringify(health.pools)}`);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const series = metrics.split('\n').filter((line) => line.startsWith('gpuroute_requests_total{')).length;
    assert.ok(series < 300, `${series} request series`);
    assert.doesNotMatch(metrics, /secret|passwd|%00/);

    // Memory: the heap must come back to where it was (a leak of per-request state would
    // keep ~10,000 requests' worth), and RSS, which the allocator hands back lazily, must
    // stay bounded.
    const heapAfter = await lowestHeapUnderTraffic();
    const afterMb = rssMb(pid);
    assert.ok(heapAfter <= heapBefore + 16, `heap ${heapAfter.toFixed(1)} MB after, ${heapBefore.toFixed(1)} MB before`);
    assert.ok(afterMb <= baseline + 100, `RSS ${afterMb.toFixed(1)} MB after, ${baseline.toFixed(1)} MB before`);
  });
});
