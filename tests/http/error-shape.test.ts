import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/config-schema.js';
import { closedPort } from '../helpers/closed-port.js';
import { CHAT } from '../helpers/fleet.js';
import { capturingLogger, post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { parseRaw, rawExchange, type ErrorBody } from '../helpers/raw-request.js';

/**
 * Issue 14 §8, §9, §11: every error body the gateway writes has `{"detail", "error"}`,
 * including the ones Fastify and Node would write themselves, and no error shows an
 * endpoint's URL.
 */

const KEY = 'k-error-shape';

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Whether a new connection to `port` is accepted. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1', () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
}

function assertShape(body: ErrorBody, code: string): void {
  assert.deepEqual(Object.keys(body).sort(), ['detail', 'error']);
  assert.equal(body.error.code, code);
  assert.equal(body.error.message, body.detail);
}

describe('errors Fastify and Node would answer themselves', () => {
  let gw: RunningGateway;
  let upstream: MockUpstream;
  before(async () => {
    upstream = await startMockUpstream('A');
    gw = await startGateway({ auth: { api_keys: [KEY] }, cors: { origins: ['https://app.example'] }, pools: [{ gpu: 'L4', models: ['*'], endpoints: [upstream.url] }] });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers a URL with a bad percent-encoding (/%ZZ) in our shape, with a request id and CORS headers', async () => {
    const answer = parseRaw(
      await rawExchange(gw.url, `GET /v1/%ZZ HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nAuthorization: Bearer ${KEY}\r\nConnection: close\r\n\r\n`),
    );
    assert.equal(answer.status, 400);
    assertShape(answer.body, 'invalid_request');
    assert.match(answer.body.detail, /URL cannot be routed.*%25/);
    assert.match(answer.headers, /\r\nx-request-id: [\w-]+/);
    assert.match(answer.headers, /\r\naccess-control-allow-origin: https:\/\/app\.example/);
  });

  it('counts a bad URL in /metrics and logs its request line, like every other answer', async () => {
    const { logger, lines } = await capturingLogger();
    const logged = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [upstream.url] }] }, {}, logger);
    try {
      const answer = parseRaw(await rawExchange(logged.url, 'GET /v1/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      assert.equal(answer.status, 400);
      const requestId = /\r\nx-request-id: ([\w-]+)/.exec(answer.headers)?.[1];
      const line = lines.find((l) => l.reqId === requestId);
      assert.ok(line, `no request line for ${requestId}: ${JSON.stringify(lines)}`);
      assert.equal(line.route, 'unmatched');
      assert.equal(line.status, 400);
      assert.equal(typeof line.total_ms, 'number');
      const metrics = await (await fetch(`${logged.url}/metrics`)).text();
      assert.match(metrics, /^gpuroute_requests_total\{route="unmatched",method="GET",status="400",model="none",gpu="none"\} 1$/m);
    } finally {
      await logged.close();
    }
  });

  it('asks for the key first on a bad URL too', async () => {
    const answer = parseRaw(await rawExchange(gw.url, 'GET /%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    assert.equal(answer.status, 401);
    assertShape(answer.body, 'invalid_api_key');
  });

  it('answers a request Node cannot parse with 400 in our shape', async () => {
    const answer = parseRaw(await rawExchange(gw.url, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
    assert.equal(answer.status, 400);
    assertShape(answer.body, 'invalid_request');
    assert.match(answer.headers, /\r\nconnection: close/);
  });

  it('answers headers over 16 KB with 431 in our shape', async () => {
    const answer = parseRaw(await rawExchange(gw.url, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    assert.equal(answer.status, 431);
    assertShape(answer.body, 'headers_too_large');
  });

  it('answers a client too slow with its headers with 408 in our shape', async () => {
    const slow = await startGateway({ limits: { header_timeout_ms: 300 }, pools: [{ gpu: 'L4', models: ['*'], endpoints: [upstream.url] }] });
    try {
      const answer = parseRaw(await rawExchange(slow.url, 'GET /v1/models HTTP/1.1\r\nHost: x\r\n', { keepOpen: true }));
      assert.equal(answer.status, 408);
      assertShape(answer.body, 'request_timeout');
    } finally {
      await slow.close();
    }
  });

  it('refuses JSON nested deeper than 128 levels with 400 invalid_json, and takes 128', async () => {
    const deep = (levels: number) => `{"model":"Qwen/Qwen3-0.6B","messages":[{"role":"user","content":"hi"}],"extra":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    const refused = await post(`${gw.url}/v1/chat/completions`, deep(129), { authorization: `Bearer ${KEY}` });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as ErrorBody;
    assertShape(body, 'invalid_json');
    assert.match(body.detail, /deeper than 128 levels/);
    assert.equal(upstream.requests.length, 0);
    const taken = await post(`${gw.url}/v1/chat/completions`, deep(128), { authorization: `Bearer ${KEY}` });
    assert.equal(taken.status, 200);
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, { ...CHAT, messages: [{ role: 'user', content: `${'['.repeat(500)} "\\" ${'{'.repeat(500)}` }] }, { authorization: `Bearer ${KEY}` });
    assert.equal(response.status, 200);
  });

  it('refuses 4M levels of nesting (8.4 s in JSON.parse) without parsing them', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, '['.repeat(4_000_000), { authorization: `Bearer ${KEY}` });
    assert.equal(response.status, 400);
    assertShape((await response.json()) as ErrorBody, 'invalid_json');
  });

  it('answers a request that arrives while the app closes with 503 shutting_down in our shape', async () => {
    const held = await startMockUpstream('held');
    held.mode = 'hold';
    const closing = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [held.url] }] });
    const { port } = new URL(closing.url);
    const body = JSON.stringify({ ...CHAT, gpu_preference: 'L4' });
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString('utf8')));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    try {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await until(() => held.requests.some((r) => r.method === 'POST'));
      const closed = closing.close();
      // The listener is gone once closing has begun; a request on the open connection comes after.
      await until(async () => !(await connects(Number(port))));
      // Pipelined behind the held call: Node sends its answer after that call's, so wait
      // for the server to have taken it, then let the held call finish.
      let taken = false;
      closing.gateway.app.server.on('request', (request: IncomingMessage) => (taken ||= request.url === '/v1/models'));
      socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => taken);
      held.release();
      await ended;
      await closed;
      const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
      assert.match(first ?? '', /^HTTP\/1\.1 200 /, 'the call in flight is answered');
      const answer = parseRaw(second ?? '');
      assert.equal(answer.status, 503);
      assertShape(answer.body, 'shutting_down');
      assert.match(answer.headers, /\r\nconnection: close/);
    } finally {
      socket.destroy();
      await held.close();
    }
  });
});

describe('endpoint URLs in the config', () => {
  for (const [what, url] of [
    ['a user name and password', 'http://user:secret@10.0.0.5:8000/v1'],
    ['a query string', 'http://10.0.0.5:8000/v1?token=secret'],
  ] as const) {
    it(`refuses ${what} at load, pointing to api_key_env`, () => {
      const result = configSchema.safeParse({ pools: [{ gpu: 'L4', endpoints: [url] }] });
      assert.equal(result.success, false);
      const issue = result.error!.issues[0]!;
      assert.deepEqual(issue.path, ['pools', 0, 'endpoints', 0]);
      assert.match(issue.message, /api_key_env/);
      assert.doesNotMatch(issue.message, /secret/);
    });
  }

  it('names an endpoint that fails by its place in the pool, never by its URL, which only the log has', async () => {
    const down = await startMockUpstream('down');
    down.mode = 'status-500';
    const { logger, lines } = await capturingLogger();
    const gw = await startGateway({ pools: [{ gpu: 'L40S', models: ['*'], endpoints: [down.url] }] }, {}, logger);
    try {
      const response = await post(`${gw.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': 'L40S' });
      const body = (await response.json()) as ErrorBody;
      assert.equal(response.status, 502);
      assert.match(body.detail, /^Upstream endpoint 1 of the L40S pool \(pools\[0\]\) answered 500/);
      assert.doesNotMatch(body.detail, /127\.0\.0\.1|http:/);
      const logged = lines.find((line) => line.code === 'upstream_error');
      assert.equal(logged?.upstream, down.url);
      assert.equal(logged?.msg, body.detail);
    } finally {
      await gw.close();
      await down.close();
    }
  });

  it('gives the code of a refused connection without its address, naming every endpoint tried', async () => {
    const gw = await startGateway({ pools: [{ gpu: 'L4', models: ['*'], endpoints: [`http://127.0.0.1:${await closedPort()}/v1`, `http://127.0.0.1:${await closedPort()}/v1`] }] });
    try {
      const response = await post(`${gw.url}/v1/chat/completions`, CHAT);
      const body = (await response.json()) as ErrorBody;
      assert.equal(response.status, 502);
      assert.equal(body.detail, 'Upstream all 2 endpoints of the L4 pool (pools[0]) failed: ECONNREFUSED');
    } finally {
      await gw.close();
    }
  });
});
