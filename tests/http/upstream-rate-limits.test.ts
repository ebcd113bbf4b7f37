import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { CHAT } from '../helpers/fleet.js';
import { post, startGateway } from '../helpers/gateway-under-test.js';
import { servedBy, startMockUpstream } from '../helpers/mock-upstream.js';

/**
 * Issue 14 §10: an upstream 429 keeps its Retry-After and is typed as a rate limit, and
 * a call it refused moves to another endpoint of the pool that is free.
 */
type ErrorBody = { detail: string; error: { message: string; type: string; param: null; code: string } };

interface Limiting {
  url: string;
  calls: number;
  close(): Promise<void>;
}

/** An OpenAI-style upstream that answers every chat call 429, with `retryAfter` if given. */
async function limitingUpstream(retryAfter?: string): Promise<Limiting> {
  const state = { calls: 0 };
  const server: Server = createServer(async (req, res) => {
    for await (const _ of req);
    state.calls++;
    res.writeHead(429, { 'content-type': 'application/json', ...(retryAfter && { 'retry-after': retryAfter }) });
    res.end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('an upstream that answers 429', () => {
  it('passes Retry-After on with 429 rate_limited when the pool has no other endpoint', async () => {
    const limiting = await limitingUpstream('7');
    const gw = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [limiting.url] }] });
    try {
      const response = await post(`${gw.url}/v1/chat/completions`, CHAT);
      const body = (await response.json()) as ErrorBody;
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '7');
      assert.equal(response.headers.get('x-selected-gpu'), 'L4');
      assert.deepEqual(body.error, { message: body.detail, type: 'rate_limit_error', param: null, code: 'rate_limited' });
      assert.match(body.detail, /^Upstream endpoint 1 of the L4 pool \(pools\[0\]\) is rate-limiting calls \(429: Rate limit reached for requests\)/);
      assert.equal(limiting.calls, 1);
      assert.match(await (await fetch(`${gw.url}/metrics`)).text(), /^gpuroute_upstream_errors_total\{kind="rate_limited"\} 1$/m);
    } finally {
      await gw.close();
      await limiting.close();
    }
  });

  it('sends the call to a free endpoint instead, and passes over the limited one until its Retry-After', async () => {
    const limiting = await limitingUpstream('30');
    const healthy = await startMockUpstream('B');
    const gw = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [limiting.url, healthy.url] }] });
    try {
      for (let i = 0; i < 6; i++) {
        for (const stream of [false, true]) {
          const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, stream });
          assert.equal(response.status, 200, `call ${i}`);
          assert.match(await response.text(), stream ? /"content":"B"/ : new RegExp(servedBy('B')));
        }
      }
      assert.equal(limiting.calls, 1, 'the limited endpoint was asked once, then left to rest');
      assert.equal(healthy.requests.length, 12);
    } finally {
      await gw.close();
      await healthy.close();
      await limiting.close();
    }
  });

  it('answers 429 with the last Retry-After when every endpoint of the pool is limited', async () => {
    const first = await limitingUpstream('5');
    const second = await limitingUpstream('Wed, 21 Oct 2099 07:28:00 GMT');
    const gw = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [first.url, second.url] }] });
    try {
      const response = await post(`${gw.url}/v1/chat/completions`, CHAT);
      await response.arrayBuffer();
      assert.equal(response.status, 429);
      assert.equal(first.calls + second.calls, 2, 'each endpoint was tried once');
      assert.ok(['5', 'Wed, 21 Oct 2099 07:28:00 GMT'].includes(response.headers.get('retry-after') ?? ''));
      // Both rest now: the next call goes to one of them, and its 429 goes straight back.
      const again = await post(`${gw.url}/v1/chat/completions`, CHAT);
      await again.arrayBuffer();
      assert.equal(again.status, 429);
      assert.equal(first.calls + second.calls, 3);
    } finally {
      await gw.close();
      await first.close();
      await second.close();
    }
  });
});
