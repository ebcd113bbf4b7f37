import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { closedPort, silentServer } from '../helpers/closed-port.js';
import { runCli, type ServingProcess } from '../helpers/spawn-cli.js';
import { rawRequest, startProxyProcess, within } from './proxy-test-kit.js';

/** What the echo target saw of a request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A raw target that answers with what it received, so tests can see exactly what the
 * proxy forwards, plus a few streams that misbehave on purpose.
 */
class EchoTarget {
  server!: Server;
  url = '';
  /** Opens when /api/upload has received its first body chunk. */
  uploadStarted = deferred();
  /** /api/sse-gated sends its second event only once a test opens this. */
  gate = deferred();
  /** Opens when the connection of a stalled stream closes. */
  stallClosed = deferred();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path === '/api/sse-gated') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        return void this.gate.promise.then(() => res.end('data: two\n\ndata: [DONE]\n\n'));
      }
      if (path === '/api/sse-die') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"n":1}\n\n');
        // Dies in the middle of an event, once what it wrote has left.
        return void res.write('data: {"n":', () => res.socket?.destroy());
      }
      if (path === '/api/sse-stall') {
        res.once('close', () => this.stallClosed.resolve());
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.write('data: one\n\n'); // and nothing more, ever
      }
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => {
        if (parts.length === 0 && path === '/api/upload') this.uploadStarted.resolve();
        parts.push(part);
      });
      req.on('end', () => {
        const seen: Seen = { method: req.method ?? '', url: path, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(parts).toString('base64') };
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-selected-gpu': 'L40S',
          'x-request-id': 'from-target',
          'set-cookie': ['a=1', 'b=2'],
          connection: 'keep-alive, x-hop',
          'x-hop': 'only for this hop',
          'access-control-allow-origin': 'https://evil.example',
          vary: 'Accept-Encoding',
        });
        res.end(JSON.stringify(seen));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const APP_ORIGIN = 'https://app.example.com';
const echo = new EchoTarget();
let proxy: ServingProcess;
before(async () => {
  await echo.start();
  proxy = await startProxyProcess(echo.url, ['--timeout-ms', '2000', '--cors-origins', `${APP_ORIGIN}, https://admin.example.com`]);
});
after(async () => {
  const code = await proxy.stop();
  await echo.close();
  assert.equal(code, 0, proxy.output());
});

async function seen(path: string, init: Parameters<typeof rawRequest>[1] = { path }): Promise<Seen> {
  const response = await rawRequest(proxy.url, { ...init, path });
  assert.equal(response.status, 200, response.body.toString());
  return response.json() as Seen;
}

describe('what the proxy forwards', { timeout: 30_000 }, () => {
  it('keeps the raw path and query byte for byte, prefix included', async () => {
    for (const path of [
      '/api/warmup/Qwen/Qwen3-0.6B?gpu=L40S',
      '/api/v1/x/%2e%2e/y?q=%2F&a=b%20c',
      '/api/warmup/status/Qwen%2FQwen3-0.6B',
      '/api/odd%zz//double;semi=1',
      '/api',
      '/api?only=query',
    ]) {
      assert.equal((await seen(path)).url, path);
    }
  });

  it('keeps the method and the body bytes, whatever the Content-Type', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const got = await seen('/api/blob', { method, path: '', headers: { 'content-type': 'application/x-not/parseable;;' }, body: bytes });
      assert.equal(got.method, method);
      assert.equal(got.body, bytes.toString('base64'));
      assert.equal(got.headers['content-type'], 'application/x-not/parseable;;');
      assert.equal(got.headers['content-length'], '256');
    }
  });

  it('keeps end-to-end headers, repeated ones repeated, and drops hop-by-hop ones', async () => {
    const got = await seen('/api/v1/chat/completions', {
      path: '',
      headers: {
        authorization: 'Bearer sk-client',
        'x-api-key': 'sk-client',
        'x-gpu-preference': 'L40S',
        'x-request-id': 'req-42',
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-custom': ['one', 'two'],
        connection: 'keep-alive, x-drop-me',
        'x-drop-me': 'listed in Connection',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
      },
    });
    const h = got.headers;
    assert.deepEqual(
      [h.authorization, h['x-api-key'], h['x-gpu-preference'], h['x-request-id'], h['content-type'], h.accept],
      ['Bearer sk-client', 'sk-client', 'L40S', 'req-42', 'application/json', 'text/event-stream'],
    );
    assert.deepEqual(
      got.rawHeaders.filter((_, i) => got.rawHeaders[i - 1]?.toLowerCase() === 'x-custom'),
      ['one', 'two'],
    );
    for (const name of ['x-drop-me', 'keep-alive', 'te', 'proxy-authorization']) assert.equal(h[name], undefined, name);
    assert.equal(h.host, new URL(echo.url).host, 'Host is the target\'s');
  });

  it('appends the client to X-Forwarded-For and keeps a sane X-Forwarded-Proto', async () => {
    const behindBalancer = await seen('/api/v1/models', { path: '', headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' } });
    assert.equal(behindBalancer.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(behindBalancer.headers['x-forwarded-proto'], 'https');

    const direct = await seen('/api/v1/models');
    assert.equal(direct.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(direct.headers['x-forwarded-proto'], 'http');

    const junk = await seen('/api/v1/models', { path: '', headers: { 'x-forwarded-proto': 'gopher' } });
    assert.equal(junk.headers['x-forwarded-proto'], 'http');
  });

  it('streams the request body to the target before the client has finished sending it', async () => {
    echo.uploadStarted = deferred();
    const { hostname, port } = new URL(proxy.url);
    const answer = new Promise<string>((resolve, reject) => {
      const req = request({ host: hostname, port, method: 'POST', path: '/api/upload', headers: { 'content-type': 'text/plain' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (p: Buffer) => parts.push(p)).on('end', () => resolve(Buffer.concat(parts).toString())).on('error', reject);
      });
      req.on('error', reject);
      req.write('first-');
      within(echo.uploadStarted.promise, 5_000, 'the first body chunk at the target').then(() => req.end('second'), (error: Error) => req.destroy(error));
    });
    const got = JSON.parse(await answer) as Seen;
    assert.equal(Buffer.from(got.body, 'base64').toString(), 'first-second');
  });
});

describe('what the proxy sends back', { timeout: 30_000 }, () => {
  it('returns the target\'s headers minus hop-by-hop ones, with its own CORS in place of the target\'s', async () => {
    const response = await rawRequest(proxy.url, { path: '/api/v1/models', headers: { origin: APP_ORIGIN } });
    assert.equal(response.headers['x-selected-gpu'], 'L40S');
    assert.equal(response.headers['x-request-id'], 'from-target');
    assert.equal(response.headers['content-type'], 'application/json');
    assert.deepEqual(response.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(response.headers['x-hop'], undefined);
    assert.equal(response.headers['access-control-allow-origin'], APP_ORIGIN);
    assert.equal(response.headers['access-control-allow-credentials'], 'true');
    assert.equal(response.headers.vary, 'Origin, Accept-Encoding');
  });

  it('gives an origin not in --cors-origins no Access-Control-Allow-Origin', async () => {
    const response = await rawRequest(proxy.url, { path: '/api/v1/models', headers: { origin: 'https://evil.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    assert.equal(response.headers['access-control-allow-credentials'], undefined);
  });

  it('passes an event stream through chunk by chunk, without waiting for the rest', async () => {
    echo.gate = deferred();
    const response = await fetch(`${proxy.url}/api/sse-gated`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    const first = await within(reader.read(), 5_000, 'the first event while the target holds the second');
    assert.equal(Buffer.from(first.value!).toString(), 'data: one\n\n');
    echo.gate.resolve();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString();
    assert.equal(rest, 'data: two\n\ndata: [DONE]\n\n');
  });

  it('ends a stream the target cuts with one terminal error event, the relayed bytes untouched', async () => {
    const text = await (await fetch(`${proxy.url}/api/sse-die`)).text();
    const prefix = 'data: {"n":1}\n\ndata: {"n":\n\ndata: ';
    assert.ok(text.startsWith(prefix), text);
    assert.ok(text.endsWith('\n\n'));
    const event = JSON.parse(text.slice(prefix.length));
    assert.equal(event.error.code, 'upstream_error');
    assert.equal(event.error.type, 'api_error');
    assert.equal(event.detail, event.error.message);
    assert.ok(event.detail.includes(echo.url), event.detail);
  });

  it('ends a stream whose target goes quiet for longer than --timeout-ms with an upstream_timeout event', async () => {
    const started = Date.now();
    const text = await within((await fetch(`${proxy.url}/api/sse-stall`)).text(), 10_000, 'the stalled stream to end');
    assert.ok(text.startsWith('data: one\n\ndata: '), text);
    assert.equal(JSON.parse(text.slice('data: one\n\ndata: '.length)).error.code, 'upstream_timeout');
    assert.ok(Date.now() - started < 8_000);
  });

  it('cancels the call to the target when the client goes away mid-stream', async () => {
    echo.stallClosed = deferred();
    const client = new AbortController();
    const response = await fetch(`${proxy.url}/api/sse-stall`, { signal: client.signal });
    const reader = response.body!.getReader();
    await within(reader.read(), 5_000, 'the first event');
    client.abort();
    await within(echo.stallClosed.promise, 1_500, 'the target to see its connection closed, before --timeout-ms would have closed it');
  });
});

describe('when the target fails', { timeout: 30_000 }, () => {
  it('answers 502 upstream_error naming the target when nothing listens there', async () => {
    const target = `http://127.0.0.1:${await closedPort()}`;
    const down = await startProxyProcess(target);
    try {
      for (const init of [{ path: '/api/v1/models' }, { method: 'POST', path: '/api/v1/chat/completions', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' }]) {
        const response = await rawRequest(down.url, init);
        assert.equal(response.status, 502);
        const body = response.json();
        assert.deepEqual([body.error.code, body.error.type, body.error.param], ['upstream_error', 'api_error', null]);
        assert.ok(body.detail.includes(target), body.detail);
        assert.match(body.detail, /refused/);
        assert.equal(response.headers['access-control-allow-origin'], '*');
      }
    } finally {
      await down.stop();
    }
  });

  it('answers 504 upstream_timeout when the target sends no headers within --timeout-ms', async () => {
    const silent = await silentServer();
    const target = new URL(silent.url).origin;
    const slow = await startProxyProcess(target, ['--timeout-ms', '300']);
    try {
      const started = Date.now();
      const response = await rawRequest(slow.url, { path: '/api/v1/models' });
      assert.equal(response.status, 504);
      const body = response.json();
      assert.equal(body.error.code, 'upstream_timeout');
      assert.ok(body.detail.includes(target), body.detail);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await slow.stop();
      await silent.close();
    }
  });
});

describe('gpuroute proxy flags', { timeout: 30_000 }, () => {
  it('refuses to start without --target, or with a target or prefix it cannot use', async () => {
    for (const [args, message] of [
      [[], /--target URL/],
      [['--target', 'ftp://example.com'], /http:\/\/ or https:\/\//],
      [['--target', 'http://127.0.0.1:8000/?x=1'], /no query/],
      [['--target', 'http://127.0.0.1:8000', '--prefix', 'api/../x'], /--prefix/],
      [['--target', 'http://127.0.0.1:8000', '--cors-origins', 'https://a.example/path'], /--cors-origins/],
      [['--target', 'http://127.0.0.1:8000', '--timeout-ms', '0'], /--timeout-ms/],
    ] as const) {
      const result = await runCli(['proxy', ...args, '--port', '0']);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, message);
    }
  });
});
