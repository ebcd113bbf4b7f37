import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startMockUpstream } from '../helpers/mock-upstream.js';
import { BIN, startServing } from '../helpers/spawn-cli.js';
import { CHAT, readEvents } from '../helpers/fleet.js';
import { post } from '../helpers/gateway-under-test.js';

const NON_STREAM = 150;
const STREAMS = 50;

describe('graceful shutdown', { timeout: 120_000 }, () => {
  it('finishes all 200 requests in flight, streams included, after SIGTERM, then exits 0', async () => {
    const mock = await startMockUpstream('L4');
    const config = join(mkdtempSync(join(tmpdir(), 'gpuroute-shutdown-')), 'gpuroute.yaml');
    writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${mock.url}"]\n`);
    const gateway = await startServing(process.execPath, [BIN, 'serve', '--config', config, '--port', '0'], { GPUROUTE_API_KEYS: '' });
    try {
      mock.mode = 'hold';
      const plain = Array.from({ length: NON_STREAM }, () => post(`${gateway.url}/v1/chat/completions`, CHAT).then(async (r) => ({ status: r.status, body: await r.json() })));
      const streams = Array.from({ length: STREAMS }, () => post(`${gateway.url}/v1/chat/completions`, { ...CHAT, stream: true }).then(async (r) => ({ status: r.status, events: await readEvents(r) })));
      while (mock.requests.length < NON_STREAM + STREAMS) await new Promise((r) => setTimeout(r, 20));

      const exited = once(gateway.child, 'exit');
      gateway.child.kill('SIGTERM');
      // New connections are refused once the gateway stops listening; the held ones carry on.
      while (!/shutting down/.test(gateway.output())) await new Promise((r) => setTimeout(r, 20));
      mock.mode = 'ok';
      mock.release();

      const answers = await Promise.all(plain);
      const streamed = await Promise.all(streams);
      assert.ok(answers.every((a) => a.status === 200 && a.body.system_fingerprint.selected_gpu === 'L4'), 'every non-stream call answered 200');
      assert.ok(streamed.every((s) => s.status === 200 && s.events.at(-1) === '[DONE]'), 'every stream ended with [DONE]');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      assert.match(gateway.output(), /"msg":"stopped"/);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await mock.close();
    }
  });
});
