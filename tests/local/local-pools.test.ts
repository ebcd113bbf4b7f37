import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { readEvents } from '../helpers/fleet.js';
import { eventually, modelsDirWithTestModel, truncatedModel, workerPids } from '../helpers/test-model.js';

const MODEL = 'Qwen/Qwen3-0.6B';

function rawRequest(url: string, method: string): Promise<{ status: number; body: string }> {
  const { host, port } = new URL(url);
  const path = url.slice(url.indexOf('/', 'http://'.length));
  return new Promise((resolve, reject) => {
    const req = request({ host: host.split(':')[0], port, path, method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const PROMPT = { model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, temperature: 0 };

async function status(url: string, gpu: string, model = MODEL) {
  return (await fetch(`${url}/warmup/status/${model}?gpu=${gpu}`)).json() as Promise<{ status: string; error?: string; device: string; weights: string }>;
}

describe('local pools run real llama.cpp workers on the generated test model', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel(), max_live: 2 }, pools: [{ kind: 'local' }] });
  });
  after(() => gw.close());

  it('answers a completion end to end, with usage from the real tokenizer', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': 'L40S' });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.model, MODEL);
    assert.deepEqual(body.system_fingerprint, { selected_gpu: 'L40S' });
    assert.ok(body.choices[0].message.content.length > 0);
    assert.equal(body.choices[0].finish_reason, 'length');
    assert.equal(body.usage.completion_tokens, 8);
    assert.ok(body.usage.prompt_tokens > 5);
  });

  it('streams the same greedy answer, every chunk stamped', async () => {
    const plain = await (await post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': 'L40S' })).json();
    const response = await post(`${gw.url}/v1/chat/completions`, { ...PROMPT, stream: true }, { 'X-GPU-Preference': 'L40S' });
    const events = await readEvents(response);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1) as Array<{ system_fingerprint: unknown; choices: Array<{ delta: { content?: string } }> }>;
    for (const chunk of chunks) assert.deepEqual(chunk.system_fingerprint, { selected_gpu: 'L40S' });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), plain.choices[0].message.content);
  });

  it('says on /health that every local pool runs the test model, and how many pools are warm', async () => {
    const health = await (await fetch(`${gw.url}/health`)).json();
    assert.deepEqual(health.weights, { 'test-model': health.models });
    assert.ok(health.pools.warmed >= 1);
  });

  it('reports the device truthfully and the weights as the test model', async () => {
    const body = await status(gw.url, 'L40S');
    assert.deepEqual([body.status, body.device, body.weights], ['warmed', 'cpu', 'test-model']);
  });

  it('starts exactly one worker for 50 concurrent warm-ups of one pool', async () => {
    const before = await workerPids();
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${gw.url}/warmup/${MODEL}?gpu=A100`, { method: 'POST' })));
    assert.ok(answers.every((r) => r.status === 200));
    await eventually(async () => (await status(gw.url, 'A100')).status === 'warmed', 'A100 is warmed');
    const started = (await workerPids()).filter((pid) => !before.includes(pid));
    assert.equal(started.length, 1);
  });

  it('marks a killed worker failed, and the next call starts a new one', async () => {
    const warm = await fetch(`${gw.url}/warmup/${MODEL}?gpu=A100&wait=true`, { method: 'POST' });
    assert.equal((await warm.json()).status, 'warmed');
    const before = await workerPids();
    const victim = before.at(-1)!;
    process.kill(victim, 'SIGKILL');
    await eventually(async () => (await status(gw.url, 'A100')).status === 'failed', 'the pool is failed');
    assert.match((await status(gw.url, 'A100')).error ?? '', /worker exited \(SIGKILL\)/);

    const response = await post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': 'A100' });
    assert.equal(response.status, 200);
    assert.equal((await status(gw.url, 'A100')).status, 'warmed');
    assert.ok(!(await workerPids()).includes(victim));
  });

  it('keeps at most workers.max_live workers, evicting the least recently used idle pool', async () => {
    for (const gpu of ['L4', 'A10G', 'H100']) {
      assert.equal((await fetch(`${gw.url}/warmup/${MODEL}?gpu=${gpu}&wait=true`, { method: 'POST' })).status, 200);
    }
    await eventually(async () => (await workerPids()).length === 2, 'two workers are live');
    assert.equal((await status(gw.url, 'L4')).status, 'cold');
    assert.equal((await status(gw.url, 'H100')).status, 'warmed');
  });
});

describe('idle pools go cold', () => {
  it('stops the worker after the idle TTL', async () => {
    const gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel() }, warmup: { idle_ttl_ms: 300 }, pools: [{ kind: 'local' }] });
    try {
      const warm = await fetch(`${gw.url}/warmup/${MODEL}?gpu=L4&wait=true`, { method: 'POST' });
      assert.equal((await warm.json()).status, 'warmed');
      await eventually(async () => (await status(gw.url, 'L4')).status === 'cold', 'the pool is cold');
      await eventually(async () => (await workerPids()).length === 0, 'the worker has exited');
    } finally {
      await gw.close();
    }
  });
});

describe('asking the status of a pool', () => {
  it('answers for a pool never used, as its launcher would report it, without creating it', async () => {
    const gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel() }, pools: [{ kind: 'local' }] });
    try {
      const response = await fetch(`${gw.url}/warmup/status/${MODEL}?gpu=L4`);
      assert.equal(response.headers.get('x-selected-gpu'), 'L4');
      const body = await response.json();
      assert.deepEqual(
        [body.status, body.model, body.gpu, body.kind, body.device, body.weights, body.last_used],
        ['cold', MODEL, 'L4', 'local', 'cpu', 'test-model', null],
      );
      assert.deepEqual((await (await fetch(`${gw.url}/warmup/status`)).json()).pools, []);
      assert.deepEqual((await (await fetch(`${gw.url}/health`)).json()).pools, { cold: 0, downloading: 0, warming: 0, warmed: 0, failed: 0 });
      assert.deepEqual(await workerPids(), []);
    } finally {
      await gw.close();
    }
  });

  it('still answers 503 no_pool where no entry serves the model on that GPU', async () => {
    const gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel() }, pools: [{ kind: 'local', gpu: 'L4' }] });
    try {
      const response = await fetch(`${gw.url}/warmup/status/${MODEL}?gpu=A100`);
      assert.equal(response.status, 503);
      assert.equal((await response.json()).error.code, 'no_pool');
      assert.deepEqual((await (await fetch(`${gw.url}/warmup/status`)).json()).pools, []);
    } finally {
      await gw.close();
    }
  });
});

describe('weights that will not load', () => {
  it('leaves the pool failed with the error, and a 502 for a call that waited', async () => {
    const bad = await truncatedModel();
    const gw = await startGateway({ models: { [MODEL]: { gguf: bad } }, warmup: { timeout_ms: 30_000 }, pools: [{ kind: 'local' }] });
    try {
      const response = await post(`${gw.url}/v1/chat/completions`, PROMPT, { 'X-GPU-Preference': 'L4' });
      assert.equal(response.status, 502);
      const body = await response.json();
      assert.equal(body.error.code, 'warmup_failed');
      const pool = await status(gw.url, 'L4');
      assert.equal(pool.status, 'failed');
      assert.ok(pool.error && pool.error.length > 0);
      assert.equal(pool.weights, bad);
    } finally {
      await gw.close();
    }
  });
});

describe('model ids in paths', () => {
  it('refuses traversal ids without reaching the disk, even where a file would match', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gpuroute-traversal-'));
    const modelsDir = join(root, 'models');
    mkdirSync(modelsDir);
    writeFileSync(join(root, 'secret.gguf'), 'not for you');
    const gw = await startGateway({ workers: { models_dir: modelsDir }, pools: [{ kind: 'local' }] });
    try {
      // Raw requests: fetch's URL parser would resolve "../" and "%2e%2e/" before sending.
      for (const id of ['../secret', '%2e%2e/secret', '..%2fsecret', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'Qwen%00/Qwen3-0.6B']) {
        for (const [method, path] of [['POST', 'warmup'], ['GET', 'warmup/status']]) {
          const raw = await rawRequest(`${gw.url}/${path}/${id}`, method!);
          assert.deepEqual([raw.status, JSON.parse(raw.body).error.code], [404, 'model_not_found'], `${method} ${path}/${id}`);
        }
      }
      assert.deepEqual((await (await fetch(`${gw.url}/warmup/status`)).json()).pools, []);
      assert.deepEqual(await workerPids(), []);
    } finally {
      await gw.close();
    }
  });
});
