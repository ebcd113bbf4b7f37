import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-config-')), 'gpuroute.yaml');
  writeFileSync(file, text);
  return file;
}

const ISSUE_SHAPE = `
listen: { host: 127.0.0.1, port: 8000 }
auth: { api_keys: ["sk-test-key"] }
pools:
  - gpu: "L40S"
    models: ["*"]
    endpoints: ["http://10.0.0.5:8000/v1"]
    api_key_env: UPSTREAM_KEY
`;

describe('loading the config', () => {
  it('runs on a laptop with no file: 127.0.0.1:8000, 10 MB bodies, CORS *, local workers for every model', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8000 });
    assert.equal(config.limits.body_bytes, 10 * 1024 * 1024);
    assert.equal(config.cors.origins, '*');
    assert.deepEqual(config.pools, [{ kind: 'local', gpu: '*', models: ['*'] }]);
  });

  it('accepts the documented shape exactly', () => {
    const config = loadConfig({ file: configFile(ISSUE_SHAPE), env: {} });
    assert.deepEqual(config.auth.api_keys, ['sk-test-key']);
    assert.deepEqual(config.pools[0], { kind: 'upstream', gpu: 'L40S', models: ['*'], endpoints: ['http://10.0.0.5:8000/v1'], api_key_env: 'UPSTREAM_KEY' });
  });

  it('reads the file from GPUROUTE_CONFIG', () => {
    const config = loadConfig({ env: { GPUROUTE_CONFIG: configFile(ISSUE_SHAPE) } });
    assert.equal(config.pools.length, 1);
  });

  it('lets the environment beat the file and flags beat the environment', () => {
    const file = configFile(ISSUE_SHAPE);
    const fromEnv = loadConfig({ file, env: { PORT: '9001', GPUROUTE_API_KEYS: 'k-one, k-two' } });
    assert.equal(fromEnv.listen.port, 9001);
    assert.deepEqual(fromEnv.auth.api_keys, ['k-one', 'k-two']);
    const fromFlags = loadConfig({ file, env: { PORT: '9001' }, flags: { port: 9002, host: '0.0.0.0' } });
    assert.deepEqual(fromFlags.listen, { host: '0.0.0.0', port: 9002 });
  });

  it('stores pool GPU specs in canonical form', () => {
    const config = loadConfig({ file: configFile('pools: [{ gpu: "h100:1", endpoints: ["http://127.0.0.1:1/v1"] }]'), env: {} });
    assert.equal(config.pools[0]?.gpu, 'H100');
  });

  it('is frozen', () => {
    const config = loadConfig({ env: {} });
    assert.throws(() => {
      (config.listen as { port: number }).port = 1;
    }, TypeError);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['a misspelt key', 'listn: { port: 1 }', /\(top level\): unknown key "listn"/],
    ['a bad GPU spec in a pool', 'pools: [{ gpu: "H100:3", endpoints: ["http://x:1/v1"] }]', /pools\[0\]\.gpu: GPU count must be 1, 2, 4 or 8/],
    ['an endpoint that is not a URL', 'pools: [{ gpu: "L4", endpoints: ["10.0.0.5:8000"] }]', /pools\[0\]\.endpoints\[0\]: must be an http:\/\/ or https:\/\/ base URL/],
    ['a port out of range', 'listen: { port: 70000 }', /listen\.port/],
    ['a pool with no endpoints', 'pools: [{ gpu: "L4", endpoints: [] }]', /pools\[0\]\.endpoints: list at least one/],
    ['YAML that does not parse', 'pools: [', /not valid YAML/],
    ['a list at the top level', '- 1', /must hold a YAML mapping/],
  ];
  for (const [what, text, message] of bad) {
    it(`stops start-up on ${what}, naming the key`, () => {
      assert.throws(() => loadConfig({ file: configFile(text), env: {} }), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  it('stops start-up on a missing file, saying how to fix it', () => {
    assert.throws(() => loadConfig({ file: '/nonexistent/gpuroute.yaml', env: {} }), /Cannot read config file .*--config or GPUROUTE_CONFIG/);
  });

  it('refuses a PORT that is not a number', () => {
    assert.throws(() => loadConfig({ env: { PORT: 'eighty' } }), /PORT: port must be a whole number/);
  });
});
