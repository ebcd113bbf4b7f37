import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyOptions } from '../../src/commands/proxy-command.js';
import { clientAddress, forwardedProto } from '../../src/proxy/forwarded-headers.js';
import { parseCorsOrigins, parseTarget } from '../../src/proxy/proxy-options.js';
import { isUnderPrefix, parsePrefix } from '../../src/proxy/proxy-prefix.js';
import { clientResponseHeaders } from '../../src/proxy/response-headers.js';
import { toTargetError } from '../../src/proxy/target-failure.js';

describe('the forwarded prefix', () => {
  it('takes /api, /api/ and / in canonical form', () => {
    assert.equal(parsePrefix('/api'), '/api');
    assert.equal(parsePrefix('/api/'), '/api');
    assert.equal(parsePrefix('/'), '');
    for (const bad of ['api', '/api/../x', '/a?b', '/a%2f']) assert.throws(() => parsePrefix(bad), /--prefix/, bad);
  });

  it('matches whole segments, with or without a query', () => {
    for (const url of ['/api', '/api/', '/api?x=1', '/api/warmup/Qwen/Qwen3-0.6B?gpu=L40S', '/api/a/%2e%2e/b', '/api/a/../b']) assert.ok(isUnderPrefix(url, '/api'), url);
    for (const url of ['/apix', '/v1/models', '/', '*', 'http://evil/api/x', '/api/..', '/api/%2E%2e/health', '/api/./../x', '/api/.%2e']) assert.ok(!isUnderPrefix(url, '/api'), url);
  });

  it('forwards every path for the prefix /', () => {
    assert.ok(isUnderPrefix('/v1/models', ''));
    assert.ok(!isUnderPrefix('*', ''));
    assert.ok(!isUnderPrefix('/../x', ''));
  });
});

describe('proxy options', () => {
  it('keeps a target base path and refuses what would be lost', () => {
    assert.equal(parseTarget('http://127.0.0.1:8000'), 'http://127.0.0.1:8000');
    assert.equal(parseTarget('https://gw.example.com/base/'), 'https://gw.example.com/base');
    for (const bad of ['127.0.0.1:8000', 'ftp://x', 'http://u:p@x', 'http://x/#f']) assert.throws(() => parseTarget(bad), /--target/, bad);
  });

  it('reads --cors-origins as * or a list of origins', () => {
    assert.equal(parseCorsOrigins('*'), '*');
    assert.deepEqual(parseCorsOrigins('https://a.example, http://localhost:3000'), ['https://a.example', 'http://localhost:3000']);
    for (const bad of ['', '*,https://a.example', 'https://a.example/', 'a.example']) assert.throws(() => parseCorsOrigins(bad), /--cors-origins/, bad);
  });

  it('takes the flags over PORT and GPUROUTE_HOST, and defaults the rest', () => {
    const fromEnv = proxyOptions({ target: 'http://127.0.0.1:8000' }, { PORT: '10000', GPUROUTE_HOST: '0.0.0.0' });
    assert.deepEqual(fromEnv, {
      target: 'http://127.0.0.1:8000',
      host: '0.0.0.0',
      port: 10000,
      prefix: '/api',
      corsOrigins: '*',
      timeoutMs: 300_000,
      connectTimeoutMs: 5_000,
    });
    const flags = proxyOptions({ target: 'http://127.0.0.1:8000', port: '0', host: '::1', 'timeout-ms': '300' }, { PORT: '10000' });
    assert.deepEqual([flags.port, flags.host, flags.timeoutMs], [0, '::1', 300]);
    assert.throws(() => proxyOptions({ target: 'http://x', port: '99999' }, {}), /--port/);
  });
});

describe('forwarded headers', () => {
  it('keeps an incoming X-Forwarded-Proto only when it is http or https', () => {
    assert.equal(forwardedProto('https'), 'https');
    assert.equal(forwardedProto('HTTPS, http'), 'https');
    assert.equal(forwardedProto(['http', 'https']), 'http');
    assert.equal(forwardedProto('javascript'), 'http');
    assert.equal(forwardedProto(undefined), 'http');
  });

  it('writes IPv4-mapped client addresses in their plain form', () => {
    assert.equal(clientAddress('::ffff:10.0.0.7'), '10.0.0.7');
    assert.equal(clientAddress('2001:db8::1'), '2001:db8::1');
  });

  it('drops hop-by-hop, Connection-listed and Access-Control response headers, and merges Vary', () => {
    const out = clientResponseHeaders(
      { 'x-selected-gpu': 'L4', connection: 'close, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'proxy-authenticate': 'Basic', 'access-control-allow-origin': '*', vary: 'origin, Accept-Encoding', 'content-length': '12' },
      { 'access-control-allow-origin': 'https://a.example', vary: 'Origin' },
    );
    assert.deepEqual(out, { 'access-control-allow-origin': 'https://a.example', vary: 'Origin, Accept-Encoding', 'x-selected-gpu': 'L4', 'content-length': '12' });
  });

  it('drops Content-Length from an event stream, which may get one more event', () => {
    const out = clientResponseHeaders({ 'content-type': 'text/event-stream', 'content-length': '99' }, {});
    assert.deepEqual(out, { 'content-type': 'text/event-stream' });
  });
});

describe('target failures', () => {
  const target = { url: 'http://gw:8000', timeoutMs: 300, connectTimeoutMs: 5000 };
  const failure = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

  it('maps a refused connection to 502 and every timeout to 504, naming the target and the flag', () => {
    const refused = toTargetError(failure('ECONNREFUSED'), target);
    assert.deepEqual([refused.status, refused.code], [502, 'upstream_error']);
    assert.match(refused.message, /http:\/\/gw:8000.*--target/);
    for (const [code, flag] of [['UND_ERR_HEADERS_TIMEOUT', '--timeout-ms'], ['UND_ERR_BODY_TIMEOUT', '--timeout-ms'], ['UND_ERR_CONNECT_TIMEOUT', '--connect-timeout-ms']] as const) {
      const error = toTargetError(failure(code), target);
      assert.deepEqual([error.status, error.code], [504, 'upstream_timeout'], code);
      assert.ok(error.message.includes('http://gw:8000') && error.message.includes(flag), error.message);
    }
    assert.equal(toTargetError(failure('UND_ERR_SOCKET'), target).status, 502);
  });
});
