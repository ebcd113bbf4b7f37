import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedPort } from '../helpers/closed-port.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { rawRequest, startProxyProcess } from './proxy-test-kit.js';

// Real processes through bin/gpuroute.js (dist/): `npm run build` first.

const KEY = 'sk-proxy-before-gateway';

function gatewayOn(port: number, keys: string): Promise<ServingProcess> {
  return startServing(process.execPath, [BIN, 'serve', '--port', String(port)], { GPUROUTE_API_KEYS: keys });
}

/** The proxy's answer to GET /api/v1/models once it stops being `skip` (it re-checks its target every second). */
async function answerOnceNot(proxyUrl: string, headers: Record<string, string>, skip: (status: number, body: string) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await rawRequest(proxyUrl, { path: '/api/v1/models', headers });
    if (!skip(answer.status, answer.body.toString()) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a public proxy started before its gateway (fails closed)', { timeout: 120_000 }, () => {
  it('refuses to forward (503) until the gateway answers and needs a key, then forwards', async () => {
    const port = await closedPort();
    const proxy = await startProxyProcess(`http://127.0.0.1:${port}`, ['--host', '0.0.0.0']);
    let gateway: ServingProcess | undefined;
    try {
      const local = proxy.url.replace('0.0.0.0', '127.0.0.1');
      const refused = await rawRequest(local, { path: '/api/v1/models', headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(refused.status, 503);
      assert.equal(refused.json().error.code, 'not_ready');
      assert.match(refused.json().detail, /not yet verified that its gateway needs an API key.*--insecure/);

      gateway = await gatewayOn(port, KEY);
      const forwarded = await answerOnceNot(local, { authorization: `Bearer ${KEY}` }, (status) => status === 503);
      assert.equal(forwarded.status, 200);
      assert.equal(forwarded.json().object, 'list');
      assert.equal((await rawRequest(local, { path: '/api/v1/models' })).status, 401);
    } finally {
      await gateway?.stop();
      await proxy.stop();
    }
  });

  it('keeps refusing when the gateway that comes up serves without a key', async () => {
    const port = await closedPort();
    const proxy = await startProxyProcess(`http://127.0.0.1:${port}`, ['--host', '0.0.0.0']);
    let gateway: ServingProcess | undefined;
    try {
      const local = proxy.url.replace('0.0.0.0', '127.0.0.1');
      gateway = await gatewayOn(port, '');
      const answer = await answerOnceNot(local, {}, (_status, body) => /not yet verified/.test(body));
      assert.equal(answer.status, 503);
      assert.match(answer.json().detail, /Refusing to expose .* without a key/);
      assert.match(proxy.output(), /not forwarding until the target is seen to need an API key/);
    } finally {
      await gateway?.stop();
      await proxy.stop();
    }
  });
});
