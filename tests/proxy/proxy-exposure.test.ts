import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway-under-test.js';
import { runCli } from '../helpers/spawn-cli.js';
import { startProxyProcess } from './proxy-test-kit.js';

const POOLS = { pools: [{ gpu: '*', endpoints: ['http://127.0.0.1:9/v1'] }] };

describe('a proxy on a public address', () => {
  it('refuses to publish a gateway that serves without a key, unless --insecure', async () => {
    const open = await startGateway(POOLS);
    try {
      const refused = await runCli(['proxy', '--target', open.url, '--host', '0.0.0.0', '--port', '0']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /Refusing to expose .* without a key.*--insecure/);
      const insecure = await startProxyProcess(open.url, ['--host', '0.0.0.0', '--insecure']);
      assert.equal(await insecure.stop(), 0);
    } finally {
      await open.close();
    }
  });

  it('starts in front of a gateway that needs a key', async () => {
    const keyed = await startGateway({ ...POOLS, auth: { api_keys: ['sk-proxy-public'] } });
    try {
      const proxy = await startProxyProcess(keyed.url, ['--host', '0.0.0.0']);
      assert.equal(await proxy.stop(), 0);
    } finally {
      await keyed.close();
    }
  });
});
