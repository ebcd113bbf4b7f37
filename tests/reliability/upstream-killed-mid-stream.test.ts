import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHAT, readEvents } from '../helpers/fleet.js';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { openStream } from '../helpers/live-stream.js';
import { servedBy, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { startSlowStreamUpstream, type SlowStreamUpstream } from '../helpers/slow-stream-upstream.js';

/**
 * Issue 5 §4.1. The L4 pool's upstream is a separate process streaming a chunk every
 * 100 ms, SIGKILLed mid-stream; L40S and A100 are healthy in-process mocks. (The
 * in-process socket cut (mock mode die-mid-stream) is covered by tests/http/chat-routing.test.ts; here
 * the process really dies.)
 */
const DOOMED_STREAMS = 3;
const HELD_PLAIN = 10;
const HELD_STREAMS = 5;
const KILL_TO_END_MS = 1_000;

type ErrorEvent = { detail: string; error: { message: string; type: string; param: null; code: string } };
type Chunk = { model: string; system_fingerprint: { selected_gpu: string }; choices: Array<{ delta: { content?: string } }> };

const chat = (url: string, gpu: string, stream: boolean) => post(`${url}/v1/chat/completions`, { ...CHAT, stream }, { 'X-GPU-Preference': gpu });

/** One healthy call, checked: 200 from the named mock, stamped; streams end with [DONE]. */
async function healthyCall(url: string, gpu: string, stream: boolean): Promise<string | undefined> {
  const response = await chat(url, gpu, stream);
  if (response.status !== 200) return `${stream ? 'stream' : 'call'} to ${gpu}: ${response.status} ${await response.text()}`;
  if (!stream) {
    const body = await response.json();
    return body.choices[0].message.content === servedBy(gpu) && body.system_fingerprint.selected_gpu === gpu ? undefined : `call to ${gpu}: ${JSON.stringify(body)}`;
  }
  const events = await readEvents(response);
  return events.at(-1) === '[DONE]' ? undefined : `stream to ${gpu} ended with ${JSON.stringify(events.at(-1))}`;
}

describe('an upstream process killed mid-stream', { timeout: 60_000 }, () => {
  let doomed: SlowStreamUpstream;
  let held: MockUpstream;
  let busy: MockUpstream;
  let gw: RunningGateway;
  before(async () => {
    doomed = await startSlowStreamUpstream(100);
    held = await startMockUpstream('L40S');
    busy = await startMockUpstream('A100');
    gw = await startGateway({
      pools: [
        { gpu: 'L4', models: ['*'], endpoints: [doomed.url] },
        { gpu: 'L40S', models: ['*'], endpoints: [held.url] },
        { gpu: 'A100', models: ['*'], endpoints: [busy.url] },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await doomed?.kill();
    await held?.close();
    await busy?.close();
  });

  it('ends every stream on it with one upstream_error event within 1 s of the kill, while other pools keep answering', async (t) => {
    // Streams on the upstream that will die, each past its second content chunk.
    const streams = await Promise.all(Array.from({ length: DOOMED_STREAMS }, () => openStream(`${gw.url}/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'L4' })));
    for (const stream of streams) assert.equal(stream.status, 200);
    await Promise.all(streams.map((s) => s.waitForEvents(3)));
    assert.equal(doomed.requests(), DOOMED_STREAMS);

    // Calls in flight on another pool across the kill (held by its upstream) ...
    held.mode = 'hold';
    const inFlight = [
      ...Array.from({ length: HELD_PLAIN }, () => healthyCall(gw.url, 'L40S', false)),
      ...Array.from({ length: HELD_STREAMS }, () => healthyCall(gw.url, 'L40S', true)),
    ];
    while (held.requests.length < HELD_PLAIN + HELD_STREAMS) await new Promise((r) => setTimeout(r, 10));
    // ... and a steady trickle of new ones to a third pool, from before the kill until after.
    let trafficOn = true;
    const trafficProblems: string[] = [];
    let trafficCalls = 0;
    const traffic = (async () => {
      while (trafficOn && trafficCalls < 400) {
        const problem = await healthyCall(gw.url, 'A100', trafficCalls++ % 2 === 1);
        if (problem) trafficProblems.push(problem);
      }
    })();
    await new Promise((r) => setTimeout(r, 150));

    const killedAt = await doomed.kill();
    const endings = await Promise.all(streams.map((s) => s.ended));
    await new Promise((r) => setTimeout(r, 300));
    trafficOn = false;
    await traffic;

    for (const [i, stream] of streams.entries()) {
      const { at, error } = endings[i]!;
      assert.equal(error, undefined, `stream ${i} ended cleanly for the client, not with a transport error`);
      assert.ok(at - killedAt < KILL_TO_END_MS, `stream ${i} ended ${(at - killedAt).toFixed(0)} ms after the kill (bound ${KILL_TO_END_MS} ms)`);
      const last = stream.events.at(-1) as ErrorEvent;
      assert.equal(last.error.code, 'upstream_error', `stream ${i} last event: ${JSON.stringify(last)}`);
      assert.deepEqual(Object.keys(last).sort(), ['detail', 'error']);
      assert.match(last.detail, /^Upstream endpoint 1 of the L4 pool \(pools\[0\]\) failed: /);
      assert.deepEqual(last.error, { message: last.detail, type: 'api_error', param: null, code: 'upstream_error' });
      assert.ok(!stream.events.includes('[DONE]'), 'no [DONE] after a failure');
      const chunks = stream.events.slice(0, -1) as Chunk[];
      assert.ok(chunks.length >= 3, `the chunks before the kill were relayed (${chunks.length})`);
      for (const chunk of chunks) assert.deepEqual([chunk.model, chunk.system_fingerprint], [CHAT.model, { selected_gpu: 'L4' }]);
    }

    t.diagnostic(`streams ended ${endings.map((e) => (e.at - killedAt).toFixed(0)).join(', ')} ms after the kill; ${trafficCalls} calls to A100 meanwhile`);
    t.diagnostic(`last event: ${JSON.stringify(streams[0]!.events.at(-1))}`);
    held.mode = 'ok';
    held.release();
    assert.deepEqual((await Promise.all(inFlight)).filter(Boolean), [], 'calls in flight on L40S across the kill all succeeded');
    assert.deepEqual(trafficProblems, [], `of ${trafficCalls} calls to A100 during the kill`);
    assert.ok(trafficCalls >= 5, `some calls ran during the kill (${trafficCalls})`);

    // After: healthy pools answer as before, and the dead one fails fast with a detail.
    const later = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => healthyCall(gw.url, i % 2 ? 'L40S' : 'A100', false)),
      ...Array.from({ length: 5 }, (_, i) => healthyCall(gw.url, i % 2 ? 'L40S' : 'A100', true)),
    ]);
    assert.deepEqual(later.filter(Boolean), []);
    const dead = await chat(gw.url, 'L4', false);
    assert.equal(dead.status, 502);
    const body = (await dead.json()) as ErrorEvent;
    assert.equal(body.error.code, 'upstream_error');
    assert.match(body.detail, /ECONNREFUSED/);
  });
});
