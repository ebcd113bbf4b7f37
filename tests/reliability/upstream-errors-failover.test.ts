import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedPort } from '../helpers/closed-port.js';
import { CHAT, readEvents } from '../helpers/fleet.js';
import { post, startGateway } from '../helpers/gateway-under-test.js';
import { startMisbehavingUpstream, type Misbehaviour } from '../helpers/misbehaving-upstream.js';
import { servedBy, startMockUpstream, type MockMode } from '../helpers/mock-upstream.js';

/**
 * Issue 5 §4.3: a broken upstream gives the caller a 502 (504 for a timeout) with a
 * detail, and a pool's next endpoint is tried only when nothing reached the first one.
 * tests/http/upstream-failures.test.ts checks the single-endpoint 502s' details and four
 * sequential calls past a refused endpoint; here every pool has two endpoints [A broken,
 * B healthy] and each call is traced to the endpoint that received it.
 */
type ErrorBody = { detail: string; error: { message: string; type: string; param: null; code: string } };

interface Broken {
  url: string;
  received(): number;
  close(): Promise<void>;
}

async function brokenMock(mode: MockMode): Promise<Broken> {
  const mock = await startMockUpstream('A');
  mock.mode = mode;
  return { url: mock.url, received: () => mock.requests.length, close: () => mock.close() };
}

async function misbehaving(behaviour: Misbehaviour): Promise<Broken> {
  const upstream = await startMisbehavingUpstream(behaviour);
  return { url: upstream.url, received: () => upstream.requests.length, close: () => upstream.close() };
}

/** What a caller must see from a call that reached A, as a non-stream call and as a stream. */
interface Expected {
  status: number;
  code: string;
  detail: RegExp;
  /** A stream whose upstream sent 200 headers has started: the failure arrives as its last event instead. */
  streamStarted?: boolean;
}

const MAX_CALLS = 24;
const EACH_KIND = 3;

/**
 * Sequential calls, alternating pairs of non-stream and stream, until A has received
 * `eachKind` of each kind (A and B take turns when idle). Every call must land on exactly
 * one endpoint; a call that reached A fails as expected and B never sees it.
 */
async function tracesEveryCall(broken: Broken, expected: Expected, config: Record<string, unknown> = {}, eachKind = EACH_KIND): Promise<void> {
  const healthy = await startMockUpstream('B');
  const gw = await startGateway({ ...config, pools: [{ gpu: 'L4', models: ['*'], endpoints: [broken.url, healthy.url] }] });
  const reachedA = { plain: 0, stream: 0 };
  let reachedB = 0;
  try {
    for (let i = 0; i < MAX_CALLS && (reachedA.plain < eachKind || reachedA.stream < eachKind); i++) {
      const stream = Math.floor(i / 2) % 2 === 1;
      const [a0, b0] = [broken.received(), healthy.requests.length];
      const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, stream });
      const text = await response.text();
      const [a, b] = [broken.received() - a0, healthy.requests.length - b0];
      const call = `call ${i} (${stream ? 'stream' : 'non-stream'}): A received ${a}, B received ${b}, answer ${response.status} ${text.slice(0, 300)}`;
      assert.equal(a + b, 1, `exactly one endpoint received ${call}`);
      if (b === 1) {
        reachedB++;
        assert.equal(response.status, 200, call);
        // A stream spells it in two chunks, "served-by:" then "B", and ends with [DONE].
        assert.match(text, stream ? /"content":"B"[^\n]*\n\ndata: .*"finish_reason":"stop".*\n\ndata: \[DONE\]\n\n$/ : new RegExp(`"content":"${servedBy('B')}"`), call);
        continue;
      }
      reachedA[stream ? 'stream' : 'plain']++;
      assert.equal(response.headers.get('x-selected-gpu'), 'L4', call);
      let failure: ErrorBody;
      if (stream && expected.streamStarted) {
        assert.equal(response.status, 200, call);
        const events = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)) as ErrorBody);
        assert.equal(events.length, 1, call);
        failure = events[0]!;
      } else {
        assert.equal(response.status, expected.status, call);
        failure = JSON.parse(text) as ErrorBody;
      }
      assert.equal(failure.error.code, expected.code, call);
      assert.match(failure.detail, expected.detail, call);
      assert.equal(failure.error.message, failure.detail, call);
    }
    assert.ok(reachedA.plain >= eachKind && reachedA.stream >= eachKind, `A received ${reachedA.plain} non-stream and ${reachedA.stream} stream calls of ${MAX_CALLS}`);
    assert.ok(reachedB > 0, 'B took its turns');
    // Nothing arrives at B late (a retry after the answer was sent).
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(healthy.requests.length, reachedB, 'B received only the calls it answered');
  } finally {
    await gw.close();
    await healthy.close();
    await broken.close();
  }
}

describe('a broken endpoint beside a healthy one', { timeout: 60_000 }, () => {
  it('answers 502 with a detail for calls that reach an endpoint answering 500, and never retries them on the healthy one', async () => {
    await tracesEveryCall(await brokenMock('status-500'), { status: 502, code: 'upstream_error', detail: /^Upstream endpoint 1 of the L4 pool \(pools\[0\]\) answered 500: engine exploded$/ });
  });

  it('answers 502 with a detail for calls that reach an endpoint answering garbage, and never retries them on the healthy one', async () => {
    await tracesEveryCall(await brokenMock('garbage'), { status: 502, code: 'upstream_error', detail: /answered 200 with a body that is not a JSON object: <html>not json/ });
  });

  it('answers 502 when the response is cut right after its headers (a stream: a terminal upstream_error event), and never retries on the healthy one', async () => {
    await tracesEveryCall(await misbehaving('headers-then-cut'), { status: 502, code: 'upstream_error', detail: /^Upstream endpoint 1 of the L4 pool \(pools\[0\]\) failed: UND_ERR_SOCKET/, streamStarted: true });
  });

  it('answers 504 for calls that reach an endpoint that never answers, and never retries them on the healthy one', async () => {
    await tracesEveryCall(await misbehaving('silent'), { status: 504, code: 'upstream_timeout', detail: /did not answer in time \(UND_ERR_HEADERS_TIMEOUT/ }, { upstream: { timeout_ms: 300 } }, 2); // each costs about 1 s (undici's coarse timers)
  });

  it('serves every one of 40 concurrent calls, streams included, through the healthy endpoint when the other refuses connections', async () => {
    const healthy = await startMockUpstream('B');
    const gw = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [`http://127.0.0.1:${await closedPort()}/v1`, healthy.url] }] });
    try {
      for (let round = 0; round < 2; round++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const stream = i % 2 === 1;
            const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, stream });
            if (response.status !== 200) return `${response.status} ${await response.text()}`;
            if (!stream) {
              const body = await response.json();
              return body.choices[0].message.content === servedBy('B') ? 'ok' : JSON.stringify(body);
            }
            const events = await readEvents(response);
            return events.at(-1) === '[DONE]' ? 'ok' : JSON.stringify(events.at(-1));
          }),
        );
        assert.deepEqual(answers.filter((a) => a !== 'ok'), [], `round ${round}`);
      }
      assert.equal(healthy.requests.filter((r) => r.url === '/v1/chat/completions').length, 40, 'B received each call exactly once');
    } finally {
      await gw.close();
      await healthy.close();
    }
  });
});
