import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHAT, readEvents } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';
import { ROOT, startServing, type ServingProcess } from '../helpers/spawn-cli.js';

/**
 * Issue 14 §6-7: what one upstream answer can make the gateway hold. The gateway runs as
 * its own process (from src/, through tsx) so that its memory and its event loop are its
 * own; the upstream here sends a 20 MB event-stream line and 300 MB JSON bodies.
 */
const MB = 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 'a');

interface Sent {
  bytes: number;
  /** The gateway closed the connection before the whole answer was written. */
  cut: boolean;
}

/** Writes `total` bytes of 'a' in 64 KB pieces, each once the last has been flushed (or failed, when the gateway hung up). */
async function writeFiller(res: ServerResponse, total: number, sent: Sent): Promise<void> {
  while (sent.bytes < total) {
    if (res.destroyed) {
      sent.cut = true;
      return;
    }
    const piece = PIECE.subarray(0, Math.min(PIECE.length, total - sent.bytes));
    sent.bytes += piece.length;
    await new Promise((resolve) => res.write(piece, resolve));
  }
}

/**
 * The long line stops at 4 MB until `resume` resolves: the relay ends it within tens of
 * ms, so without the pause /health could not be asked while it is in flight.
 */
interface Pause {
  reached: () => void;
  resume: Promise<void>;
}

/** How the upstream answers depends on the path: each test's pool points at its own base URL. */
function startHugeUpstream(sent: Record<string, Sent>, pause: Pause): Promise<Server> {
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    const record: Sent = { bytes: 0, cut: false };
    sent[req.url ?? ''] = record;
    res.on('close', () => (record.cut ||= !res.writableFinished));
    if (req.url === '/long-line/v1/chat/completions') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"');
      await writeFiller(res, 4 * MB, record);
      pause.reached();
      await pause.resume;
      await writeFiller(res, 20 * MB, record);
      return void res.end('"}}]}\n\ndata: [DONE]\n\n');
    }
    if (req.url === '/big-line/v1/chat/completions') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"x","object":"chat.completion.chunk","model":"up","choices":[{"index":0,"delta":{"content":"');
      await writeFiller(res, 4 * MB, record);
      return void res.end('"}}]}\n\ndata: [DONE]\n\n');
    }
    const declared = req.url === '/declared/v1/chat/completions';
    res.writeHead(200, declared ? { 'content-type': 'application/json', 'content-length': String(300 * MB) } : { 'content-type': 'application/json' });
    res.write('{"id":"x","choices":[{"message":{"content":"');
    await writeFiller(res, 300 * MB, record);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Peak resident memory of a process so far (Linux). */
function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

describe('bounded relays (a gateway process and an upstream that sends too much)', { timeout: 180_000 }, () => {
  const sent: Record<string, Sent> = {};
  let onHalfSent = () => undefined as void;
  let resume!: () => void;
  const pause: Pause = { reached: () => onHalfSent(), resume: new Promise<void>((resolve) => (resume = resolve)) };
  let upstream: Server;
  let gw: ServingProcess;

  before(async () => {
    upstream = await startHugeUpstream(sent, pause);
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'gpuroute-bounded-'));
    const config = {
      pools: [
        { gpu: 'L4', models: ['*'], endpoints: [`${base}/long-line/v1`] },
        { gpu: 'L40S', models: ['*'], endpoints: [`${base}/big-line/v1`] },
        { gpu: 'A100', models: ['*'], endpoints: [`${base}/declared/v1`] },
        { gpu: 'H100', models: ['*'], endpoints: [`${base}/chunked/v1`] },
      ],
    };
    writeFileSync(join(dir, 'config.yaml'), JSON.stringify(config));
    gw = await startServing(process.execPath, ['--import', 'tsx', `${ROOT}src/cli.ts`, 'serve', '--config', join(dir, 'config.yaml'), '--port', '0'], {}, 60_000);
  });
  after(async () => {
    await gw?.stop();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  it('ends a stream whose line outgrows limits.max_event_bytes with an upstream_too_large event, and answers /health all along', async () => {
    let streaming = true;
    const healthWaits: number[] = [];
    let answersAtPause = Number.POSITIVE_INFINITY;
    onHalfSent = () => void (answersAtPause = healthWaits.length);
    const pollHealth = (async () => {
      while (streaming) {
        const asked = performance.now();
        const health = await fetch(`${gw.url}/health`);
        assert.equal(health.status, 200);
        await health.arrayBuffer();
        healthWaits.push(performance.now() - asked);
        // The upstream holds the line at 4 MB until /health has answered twice since.
        if (healthWaits.length >= answersAtPause + 2) resume();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'L4' });
    assert.equal(response.status, 200);
    const events = (await readEvents(response)) as Array<{ detail: string; error: { code: string; type: string } }>;
    streaming = false;
    await pollHealth;
    assert.equal(events.length, 1, 'nothing of the long line went out, only the error event');
    assert.equal(events[0]!.error.code, 'upstream_too_large');
    assert.match(events[0]!.detail, /^Upstream endpoint 1 of the L4 pool \(pools\[0\]\) sent more than the gateway relays: .*limits\.max_event_bytes \(8388608 bytes\)/);
    assert.ok(healthWaits.length >= answersAtPause + 2, `/health answered ${healthWaits.length - answersAtPause} times while 4 MB of the line were held`);
    // Loose: the quadratic relay stalled /health for 11.9 s on this line (issue 14 §6).
    assert.ok(Math.max(...healthWaits) < 3_000, `slowest /health took ${Math.max(...healthWaits).toFixed(0)} ms`);
    const record = sent['/long-line/v1/chat/completions']!;
    assert.ok(record.cut && record.bytes < 20 * MB, `the upstream call was aborted (${(record.bytes / MB).toFixed(1)} MB sent)`);
  });

  it('relays an event of 4 MB whole and stamped', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'L40S' });
    const events = (await readEvents(response)) as Array<{ model: string; system_fingerprint: { selected_gpu: string }; choices: Array<{ delta: { content: string } }> }>;
    assert.equal(events.length, 2);
    assert.equal(events[0]!.model, CHAT.model);
    assert.deepEqual(events[0]!.system_fingerprint, { selected_gpu: 'L40S' });
    assert.equal(events[0]!.choices[0]!.delta.content.length, 4 * MB);
    assert.equal(events[1], '[DONE]');
  });

  for (const [gpu, path, how] of [
    ['A100', '/declared/v1/chat/completions', 'declared by content-length'],
    ['H100', '/chunked/v1/chat/completions', 'sent chunked'],
  ] as const) {
    it(`refuses a 300 MB body ${how} with 502 upstream_too_large, aborts the upstream call, and stays under 300 MB of memory`, async () => {
      const response = await post(`${gw.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': gpu });
      const body = (await response.json()) as { detail: string; error: { code: string; type: string } };
      assert.equal(response.status, 502);
      assert.equal(body.error.code, 'upstream_too_large');
      assert.equal(body.error.type, 'api_error');
      assert.match(body.detail, /limits\.max_upstream_body_bytes \(33554432 bytes\)/);
      assert.doesNotMatch(body.detail, /127\.0\.0\.1/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const record = sent[path]!;
      assert.ok(record.cut && record.bytes < 100 * MB, `the upstream call was aborted (${(record.bytes / MB).toFixed(1)} MB sent)`);
      const peak = peakRssMb(gw.child.pid!);
      assert.ok(peak < 300, `the gateway's peak RSS was ${peak.toFixed(0)} MB`);
    });
  }

  it('counts both kinds of refusal as upstream_too_large in /metrics', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /^gpuroute_upstream_errors_total\{kind="upstream_too_large"\} 3$/m);
  });
});
