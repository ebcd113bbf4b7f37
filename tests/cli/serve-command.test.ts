import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startMockUpstream, servedBy, type MockUpstream } from '../helpers/mock-upstream.js';
import { BIN, runCli, startServing } from '../helpers/spawn-cli.js';
import { CHAT } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-cli-')), 'gpuroute.yaml');
  writeFileSync(file, text);
  return file;
}

describe('gpuroute serve', () => {
  let mock: MockUpstream;
  let config: string;
  before(async () => {
    mock = await startMockUpstream('L40S');
    config = configFile(`listen: { host: 127.0.0.1, port: 8000 }\npools:\n  - gpu: "L40S"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
  });
  after(() => mock.close());

  it('serves a routed completion from a config file, and exits 0 on SIGTERM', async () => {
    const serving = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0']);
    try {
      const response = await post(`${serving.url}/v1/chat/completions`, CHAT, { 'X-GPU-Preference': 'L40S' });
      assert.equal((await response.json()).choices[0].message.content, servedBy('L40S'));
    } finally {
      assert.equal(await serving.stop(), 0);
    }
  });

  it('reads the config from GPUROUTE_CONFIG and the port from PORT', async () => {
    const serving = await startServing(process.execPath, [BIN, 'serve'], { GPUROUTE_CONFIG: config, PORT: '0' });
    try {
      assert.equal((await fetch(`${serving.url}/health`)).status, 200);
    } finally {
      await serving.stop();
    }
  });

  it('passes arguments through npm start', async () => {
    const serving = await startServing('npm', ['start', '--silent', '--', '--config', config, '--port', '0']);
    try {
      assert.equal((await fetch(`${serving.url}/health`)).status, 200);
    } finally {
      await serving.stop();
    }
  });

  it('stops start-up on a bad config, naming the key and the fix', async () => {
    const result = await runCli(['serve', '--config', configFile('pools: [{ gpu: "H100:3", endpoints: ["http://127.0.0.1:1/v1"] }]'), '--port', '0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pools\[0\]\.gpu: GPU count must be 1, 2, 4 or 8/);
  });

  it('refuses a non-loopback address without API keys unless --insecure', async () => {
    const refused = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { GPUROUTE_API_KEYS: '' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Refusing to listen on 0\.0\.0\.0 with no API keys.*--insecure/);

    const insecure = await startServing(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', '0', '--insecure'], { GPUROUTE_API_KEYS: '' });
    try {
      assert.match(insecure.output(), /no API keys configured/);
    } finally {
      await insecure.stop();
    }
  });

  it('serves a non-loopback address when keys are set', async () => {
    const serving = await startServing(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', '0'], { GPUROUTE_API_KEYS: 'sk-cli-test' });
    try {
      const port = new URL(serving.url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/v1/models`)).status, 401);
    } finally {
      await serving.stop();
    }
  });

  it('explains an unknown command', async () => {
    const result = await runCli(['serv']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown command: serv[\s\S]*Usage: gpuroute/);
  });
});
