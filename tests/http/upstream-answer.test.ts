import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Endpoint } from '../../src/upstream/endpoint.js';
import { UpstreamSignal } from '../../src/upstream/upstream-signal.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const TOTAL_CHUNKS = 1024; // 64 MB: far more than socket buffers and the body's own queue hold

interface BigBody {
  written: number;
  ended: boolean;
  /** performance.now() when the last write was refused (kernel buffers full); undefined while writes go through. */
  stalledSince: number | undefined;
  closed: Promise<unknown>;
}

// Real HTTP on 127.0.0.1: the answer's body as undici's dispatch feeds it (src/upstream/upstream-answer.ts).
describe('upstream answer body', () => {
  let server: Server;
  let endpoint: Endpoint;
  let big: BigBody | undefined;

  function sendBig(res: ServerResponse): void {
    const state: BigBody = { written: 0, ended: false, stalledSince: undefined, closed: once(res, 'close') };
    big = state;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(CHUNK.length * TOTAL_CHUNKS) });
    const pump = () => {
      state.stalledSince = undefined;
      while (state.written < TOTAL_CHUNKS) {
        state.written++;
        if (!res.write(CHUNK)) {
          state.stalledSince = performance.now();
          res.once('drain', pump);
          return;
        }
      }
      res.end();
      state.ended = true;
    };
    pump();
  }

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/chunks') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        setTimeout(() => res.end('"b"}'), 20);
        return;
      }
      sendBig(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = new Endpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, { connectTimeoutMs: 2_000, timeoutMs: 10_000, limits: { bodyBytes: 64 * 1024 * 1024, eventBytes: 8 * 1024 * 1024 } }, 'endpoint 1 of the test pool');
  });
  after(async () => {
    await endpoint.close();
    server.closeAllConnections();
    server.close();
  });

  it('reads a body that arrives in several pieces as one text', async () => {
    const answer = await endpoint.request({ path: '/chunks', method: 'GET' });
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(await answer.body.text(), '{"a":"b"}');
    assert.equal(endpoint.inFlight, 0);
  });

  it('stops the upstream while a stream reader falls behind, and loses nothing', async () => {
    const answer = await endpoint.request({ path: '/big', method: 'GET' });
    const state = big!;
    // Nobody reads. Without backpressure undici would take all 64 MB and the server would finish.
    while (!state.ended && (state.stalledSince === undefined || performance.now() - state.stalledSince < 500)) await sleep(25);
    assert.equal(state.ended, false, 'the server sent the whole body although nobody read it');
    assert.ok(state.written < TOTAL_CHUNKS / 2, `${state.written} of ${TOTAL_CHUNKS} chunks went out unread`);
    let bytes = 0;
    for await (const chunk of answer.body) bytes += chunk.length;
    assert.equal(bytes, CHUNK.length * TOTAL_CHUNKS);
    assert.equal(state.ended, true);
    assert.equal(endpoint.inFlight, 0);
  });

  it('aborts mid-body when the signal fires, and the reader sees the failure', async () => {
    const signal = new UpstreamSignal();
    const answer = await endpoint.request({ path: '/big', method: 'GET', signal });
    const state = big!;
    const iterator = answer.body[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    signal.abort();
    await assert.rejects(async () => {
      for (let step = await iterator.next(); !step.done; step = await iterator.next());
    }, /aborted/);
    await state.closed;
    assert.equal(state.ended, false);
    assert.equal(endpoint.inFlight, 0);
  });

  it('closes the upstream call when a stream reader stops early', { timeout: 10_000 }, async () => {
    const answer = await endpoint.request({ path: '/big', method: 'GET' });
    const state = big!;
    for await (const chunk of answer.body) {
      assert.ok(chunk.length > 0);
      break;
    }
    await state.closed;
    assert.equal(state.ended, false);
    assert.equal(endpoint.inFlight, 0);
  });

  it('fails before the headers when the signal has already fired', async () => {
    const signal = new UpstreamSignal();
    signal.abort();
    await assert.rejects(endpoint.request({ path: '/chunks', method: 'GET', signal }), /aborted/);
    assert.equal(endpoint.inFlight, 0);
  });
});
