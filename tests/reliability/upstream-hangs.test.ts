import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentServer } from '../helpers/closed-port.js';
import { CHAT } from '../helpers/fleet.js';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { openStream } from '../helpers/live-stream.js';
import { startMisbehavingUpstream, type MisbehavingUpstream } from '../helpers/misbehaving-upstream.js';
import { servedBy, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';

/**
 * Issue 5 §4.2. tests/http/upstream-failures.test.ts checks the 504's status and detail
 * for one silent upstream; this suite bounds the time, covers streams and bodies that
 * stall after the headers, and checks that hung calls hold nobody else up.
 *
 * Pools: L4 accepts and never answers; L40S sends headers then nothing; A100 streams
 * one chunk then nothing; H100 is healthy.
 */
const TIMEOUT_MS = 500;
/** undici's timers are coarse; the gateway adds its own work on top. */
const MARGIN_MS = 3_000;
const CONCURRENT = 10;

type ErrorBody = { detail: string; error: { message: string; type: string; param: null; code: string } };

const chat = (url: string, gpu: string, stream = false) => post(`${url}/v1/chat/completions`, { ...CHAT, stream }, { 'X-GPU-Preference': gpu });

function assertWithinBound(elapsed: number, what: string): void {
  assert.ok(elapsed >= TIMEOUT_MS - 100, `${what} gave up after ${elapsed.toFixed(0)} ms, before upstream.timeout_ms (${TIMEOUT_MS})`);
  assert.ok(elapsed <= TIMEOUT_MS + MARGIN_MS, `${what} took ${elapsed.toFixed(0)} ms, beyond upstream.timeout_ms ${TIMEOUT_MS} + ${MARGIN_MS} ms`);
}

async function timedOut(url: string, gpu: string, stream: boolean): Promise<{ elapsed: number; status: number; gpuHeader: string | null; body: ErrorBody }> {
  const started = performance.now();
  const response = await chat(url, gpu, stream);
  const body = (await response.json()) as ErrorBody;
  return { elapsed: performance.now() - started, status: response.status, gpuHeader: response.headers.get('x-selected-gpu'), body };
}

describe('an upstream that hangs', { timeout: 60_000 }, () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let headersOnly: MisbehavingUpstream;
  let stalls: MisbehavingUpstream;
  let healthy: MockUpstream;
  let gw: RunningGateway;
  before(async () => {
    silent = await silentServer();
    headersOnly = await startMisbehavingUpstream('headers-then-stall');
    stalls = await startMisbehavingUpstream('stall-after-first-chunk');
    healthy = await startMockUpstream('H100');
    gw = await startGateway({
      upstream: { timeout_ms: TIMEOUT_MS },
      pools: [
        { gpu: 'L4', models: ['*'], endpoints: [silent.url] },
        { gpu: 'L40S', models: ['*'], endpoints: [headersOnly.url] },
        { gpu: 'A100', models: ['*'], endpoints: [stalls.url] },
        { gpu: 'H100', models: ['*'], endpoints: [healthy.url] },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await silent?.close();
    await headersOnly?.close();
    await stalls?.close();
    await healthy?.close();
  });

  it(`answers ${CONCURRENT} concurrent calls to a silent upstream with 504 upstream_timeout within upstream.timeout_ms plus a margin, and a healthy pool stays prompt meanwhile`, async (t) => {
    const hung = Array.from({ length: CONCURRENT }, () => timedOut(gw.url, 'L4', false));
    // While they hang, another pool answers at once.
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const ok = await chat(gw.url, 'H100');
    const okElapsed = performance.now() - started;
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).choices[0].message.content, servedBy('H100'));
    assert.ok(okElapsed < TIMEOUT_MS, `a healthy call took ${okElapsed.toFixed(0)} ms while others hung`);

    const answers = await Promise.all(hung);
    t.diagnostic(`504s after ${answers.map((a) => a.elapsed.toFixed(0)).join(', ')} ms; the healthy call took ${okElapsed.toFixed(0)} ms`);
    for (const { elapsed, status, gpuHeader, body } of answers) {
      assert.equal(status, 504, JSON.stringify(body));
      assert.equal(gpuHeader, 'L4');
      assert.equal(body.error.code, 'upstream_timeout');
      assert.match(body.detail, /did not answer in time \(UND_ERR_HEADERS_TIMEOUT: .*upstream\.timeout_ms/);
      assertWithinBound(elapsed, 'a call to a silent upstream');
    }
  });

  it('answers a stream request to a silent upstream with a JSON 504 (the stream never started), within the bound', async () => {
    const { elapsed, status, body } = await timedOut(gw.url, 'L4', true);
    assert.equal(status, 504);
    assert.equal(body.error.code, 'upstream_timeout');
    assert.match(body.detail, /did not answer in time/);
    assertWithinBound(elapsed, 'a stream to a silent upstream');
  });

  it('answers 504 upstream_timeout when the upstream sends its headers and then no body, within the bound', async () => {
    const { elapsed, status, body } = await timedOut(gw.url, 'L40S', false);
    assert.equal(status, 504, JSON.stringify(body));
    assert.equal(body.error.code, 'upstream_timeout');
    assert.match(body.detail, /did not answer in time \(UND_ERR_BODY_TIMEOUT: /);
    assertWithinBound(elapsed, 'a call whose body never came');
    assert.equal(headersOnly.requests.length, 1);
  });

  it('ends a stream that stalls after its first chunk with one terminal upstream_timeout event, within the bound of the stall', async () => {
    const stream = await openStream(`${gw.url}/v1/chat/completions`, { ...CHAT, stream: true }, { 'X-GPU-Preference': 'A100' });
    assert.equal(stream.status, 200);
    await stream.waitForEvents(1);
    const firstAt = performance.now();
    const { at, error } = await stream.ended;
    assert.equal(error, undefined, 'the stream ended cleanly for the client');
    assertWithinBound(at - firstAt, 'a stalled stream');

    assert.equal(stream.events.length, 2, JSON.stringify(stream.events));
    const [first, last] = stream.events as [{ model: string; system_fingerprint: unknown; choices: Array<{ delta: { content: string } }> }, ErrorBody];
    assert.deepEqual([first.model, first.system_fingerprint, first.choices[0]?.delta.content], [CHAT.model, { selected_gpu: 'A100' }, 'first']);
    assert.equal(last.error.code, 'upstream_timeout');
    assert.match(last.detail, /did not answer in time \(UND_ERR_BODY_TIMEOUT: .*upstream\.timeout_ms/);
    assert.deepEqual(last.error, { message: last.detail, type: 'api_error', param: null, code: 'upstream_timeout' });
  });
});
