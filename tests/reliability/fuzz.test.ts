import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { CHAT } from '../helpers/fleet.js';
import { malformedRequest } from './malformed-requests.js';

const REQUESTS = 10_000;
const IN_FLIGHT = 32;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

describe('fuzz: 10,000 malformed requests against every route', { timeout: 300_000 }, () => {
  let mock: MockUpstream;
  let gateway: ServingProcess;
  before(async () => {
    mock = await startMockUpstream('any');
    const config = join(mkdtempSync(join(tmpdir(), 'gpuroute-fuzz-')), 'gpuroute.yaml');
    writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
    const collectOften = fileURLToPath(new URL('../helpers/collect-garbage-often.mjs', import.meta.url));
    gateway = await startServing(process.execPath, ['--expose-gc', '--import', collectOften, BIN, 'serve', '--config', config, '--port', '0'], { GPUROUTE_API_KEYS: '' });
  });
  after(async () => {
    await gateway?.stop();
    await mock?.close();
  });

  /**
   * One fresh connection per request (node:http, no agent): pooled clients (undici's Pool,
   * node's Agent) hand a socket the gateway closed after a 431 to the next request, which
   * then fails on the client side without reaching the gateway. Header values go out as
   * their UTF-8 bytes, as a hostile client would send them.
   */
  function send(req: { method: 'GET' | 'POST'; path: string; headers: string[]; body?: string }): Promise<{ status: number; text: string }> {
    const { hostname, port } = new URL(gateway.url);
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.headers.length; i += 2) {
      const value = Buffer.from(req.headers[i + 1]!.replace(/[\r\n\u0000]/g, ''), 'utf8').toString('latin1');
      (headers[req.headers[i]!] ??= []).push(value);
    }
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ agent: false, host: hostname, port, method: req.method, path: req.path, headers, timeout: 30_000 }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (d: string) => (text += d));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      });
      outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 30 s')));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
  }

  async function heapUsedMb(): Promise<number> {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^gpuroute_process_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20;
  }

  /** The smallest heap seen over 8 rounds of ordinary calls (the gateway collects garbage every 200 ms). */
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
            // Node answers a header block over 16 KB with 431 and closes the socket, which a
            // client still uploading its body sees as a reset; anything else is a drop.
            const headerBytes = request.headers.reduce((sum, h) => sum + Buffer.byteLength(h), request.path.length);
            if (headerBytes <= 16 * 1024) dropped.push(`${request.method} ${request.path.slice(0, 80)}: ${(error as Error).message} [${request.headers.map((h) => h.slice(0, 30) + ':' + h.length).join(' ')}] body ${request.body?.length}`);
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
