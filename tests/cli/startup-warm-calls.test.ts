import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMockUpstream, servedBy, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, runCli, startServing } from '../helpers/spawn-cli.js';
import { startProxyProcess } from '../proxy/proxy-test-kit.js';
import { CHAT } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-warm-')), 'gpuroute.yaml');
  writeFileSync(file, text);
  return file;
}

function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// startup.warm_calls: before listening, `serve` drives calls through a throwaway copy of
// itself against a stand-in upstream. Its effect (a first second without a stall) is a
// timing and lives in `npm run bench`; what is pinned here is that the calls really go
// through the whole path, keys included, and that they touch nothing of the real gateway.
describe('serve: startup.warm_calls', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await startMockUpstream('L40S');
  });
  after(() => mock.close());

  it('by default answers 2000 calls through a keyed copy before listening, and the real pool, metrics and request log see none', async () => {
    const config = configFile(`auth:\n  api_keys: ["first-key", "second-key"]\npools:\n  - gpu: "L40S"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0']);
    try {
      const lines = logLines(serving.output());
      const warmed = lines.find((l) => l.msg === 'request path warmed');
      assert.ok(warmed, serving.output());
      assert.equal(warmed.calls, 2000);
      assert.equal(warmed.answered, 2000, 'every warm-up call must pass auth, routing and the relay');
      assert.ok(lines.indexOf(warmed) < lines.findIndex((l) => l.msg === 'gpuroute listening'));
      assert.equal(mock.requests.length, 0, 'the configured upstream got warm-up traffic');
      assert.equal(lines.filter((l) => l.reqId !== undefined).length, 0, 'warm-up calls reached the request log');

      const metrics = await (await fetch(`${serving.url}/metrics`, { headers: { authorization: 'Bearer first-key' } })).text();
      assert.doesNotMatch(metrics, /gpuroute_requests_total\{route="\/v1\/chat\/completions"/);

      const response = await post(`${serving.url}/v1/chat/completions`, CHAT, { authorization: 'Bearer second-key', 'X-GPU-Preference': 'L40S' });
      assert.equal((await response.json()).choices[0].message.content, servedBy('L40S'));
      assert.equal(mock.requests.length, 1);
    } finally {
      assert.equal(await serving.stop(), 0);
    }
  });

  it('is skipped with startup.warm_calls: 0', async () => {
    const config = configFile(`startup: { warm_calls: 0 }\npools:\n  - gpu: "L40S"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0']);
    try {
      assert.ok(!serving.output().includes('request path warmed'), serving.output());
      assert.equal((await fetch(`${serving.url}/health`)).status, 200);
    } finally {
      assert.equal(await serving.stop(), 0);
    }
  });
});

describe('proxy: --warm-calls', () => {
  let target: MockUpstream;
  before(async () => {
    target = await startMockUpstream('gateway');
  });
  after(() => target.close());

  it('by default answers 2000 calls through a copy before listening, and the target sees none of them', async () => {
    // --prefix / forwards paths as they are, so the mock's /v1 routes answer.
    const proxy = await startProxyProcess(target.url.replace(/\/v1$/, ''), ['--prefix', '/']);
    try {
      const lines = logLines(proxy.output());
      const warmed = lines.find((l) => l.msg === 'request path warmed');
      assert.ok(warmed, proxy.output());
      assert.equal(warmed.answered, 2000);
      assert.equal(target.requests.length, 0, 'the target got warm-up traffic');
      assert.equal(lines.filter((l) => l.msg === 'proxied').length, 0, 'warm-up calls reached the log');
      const response = await post(`${proxy.url}/v1/chat/completions`, CHAT);
      assert.equal(response.status, 200);
      assert.equal(target.requests.length, 1);
    } finally {
      assert.equal(await proxy.stop(), 0);
    }
  });

  it('skips it with --warm-calls 0, and refuses a count that is not a whole number', async () => {
    const proxy = await startProxyProcess(target.url.replace(/\/v1$/, ''), ['--warm-calls', '0']);
    try {
      assert.ok(!proxy.output().includes('request path warmed'), proxy.output());
    } finally {
      assert.equal(await proxy.stop(), 0);
    }
    const refused = await runCli(['proxy', '--target', 'http://127.0.0.1:9', '--port', '0', '--warm-calls', 'lots']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--warm-calls must be a whole number from 0 \(no warm-up\) to 100000, got "lots"/);
  });
});
