import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';

const CHUNK = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] })}\n\n`;

interface UpstreamCall {
  /** Resolves with whether the upstream response was cut before it finished. */
  closed: Promise<boolean>;
}

// A client that hangs up mid-stream must free the upstream too (the relay writes to the
// hijacked socket; the upstream is aborted through src/upstream/upstream-signal.ts).
describe('a client that goes away mid-stream', () => {
  let upstream: Server;
  let gw: RunningGateway;
  const calls: UpstreamCall[] = [];

  before(async () => {
    upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      // 500 chunks 20 ms apart: 10 s, far longer than the test waits.
      const timer = setInterval(() => {
        if (sent++ < 500) res.write(CHUNK);
        else {
          clearInterval(timer);
          res.end('data: [DONE]\n\n');
        }
      }, 20);
      calls.push({ closed: once(res, 'close').then(() => (clearInterval(timer), !res.writableFinished)) });
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    gw = await startGateway({ pools: [{ gpu: 'L40S', endpoints: [`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`] }] });
  });
  after(async () => {
    await gw.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  it('closes the upstream call, and its endpoint has nothing left in flight', async () => {
    const url = new URL(`${gw.url}/v1/chat/completions`);
    const client = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-gpu-preference': 'L40S' } });
    client.end(JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    const [response] = (await once(client, 'response')) as [import('node:http').IncomingMessage];
    assert.equal(response.statusCode, 200);
    const [first] = (await once(response, 'data')) as [Buffer];
    assert.match(String(first), /"selected_gpu":"L40S"/);
    client.destroy();

    assert.equal(calls.length, 1);
    const cut = await Promise.race([calls[0]!.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000))]);
    assert.equal(cut, true, 'the upstream stream was not closed when the client left');
    const pool = gw.gateway.pools.find({ model: 'Qwen/Qwen3-0.6B', aliases: ['Qwen/Qwen3-0.6B'], gpu: 'L40S' });
    assert.ok(pool);
    const group = await gw.gateway.pools.endpointsFor(pool);
    assert.equal(group.endpoints[0]?.inFlight, 0);
  });
});
