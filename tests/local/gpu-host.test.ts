import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { fakeNvidiaSmi, withFakeSmi } from '../helpers/fake-gpus.js';
import { processesLabelled } from '../../src/pools/worker-process.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream.js';
import { eventually, modelsDirWithTestModel } from '../helpers/test-model.js';

// Real workers on a host whose nvidia-smi (a fake, first on PATH) lists 2 × H100, 1 × L40S
// and a card the catalog has no type for. The workers run on the CPU, as they must here;
// what is checked is which devices each one was given.

const SMALL = 'Qwen/Qwen3-0.6B';
const OTHER = 'Qwen/Qwen3-1.7B';
const INVENTORY = [
  [0, 'NVIDIA H100 80GB HBM3', 81559],
  [1, 'NVIDIA H100 80GB HBM3', 81559],
  [2, 'NVIDIA L40S', 46068],
  [3, 'Tesla T4', 15360],
] as const;

interface HealthDevice {
  index: number;
  uuid: string;
  name: string;
  type: string | null;
  memory_gb: number;
  pool: string | null;
}

function chat(model: string, maxTokens = 4) {
  return { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens, temperature: 0 };
}

async function devices(url: string): Promise<HealthDevice[]> {
  return ((await (await fetch(`${url}/health`)).json()) as { devices: HealthDevice[] }).devices;
}

function holders(list: HealthDevice[]): Array<string | null> {
  return list.map((d) => d.pool);
}

/** The one live worker serving MODEL@SPEC, found by its command line as `ps` shows it. */
function workerOf(label: string) {
  const found = processesLabelled(label);
  assert.equal(found.length, 1, `one process with --label ${label}, found ${found.length}`);
  return found[0]!;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** Holds a call in flight on a pool: a long stream, read up to its first chunk. */
async function holdCall(url: string, model: string, gpu: string): Promise<{ release(): void }> {
  const controller = new AbortController();
  const response = await post(`${url}/v1/chat/completions`, { ...chat(model, 1500), stream: true }, { 'X-GPU-Preference': gpu });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  await reader.read();
  return {
    release() {
      controller.abort();
      void reader.cancel().catch(() => undefined);
    },
  };
}

describe('a GPU host: the GPU a call names is the device set its worker gets', () => {
  let gw: RunningGateway;
  let upstream: MockUpstream;
  before(async () => {
    upstream = await startMockUpstream('a100-upstream');
    const config = {
      workers: { models_dir: await modelsDirWithTestModel(), max_live: 3 },
      pools: [{ kind: 'local' }, { gpu: 'A100', endpoints: [upstream.url] }],
    };
    gw = await startGateway(config, withFakeSmi(fakeNvidiaSmi(INVENTORY)));
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  it('lists the devices on /health with their catalog types, memory as the cards report it, and no holder yet', async () => {
    const list = await devices(gw.url);
    assert.deepEqual(
      list.map((d) => [d.index, d.name, d.type, d.memory_gb, d.pool]),
      [
        [0, 'NVIDIA H100 80GB HBM3', 'H100', 85.5, null],
        [1, 'NVIDIA H100 80GB HBM3', 'H100', 85.5, null],
        [2, 'NVIDIA L40S', 'L40S', 48.3, null],
        [3, 'Tesla T4', null, 16.1, null],
      ],
    );
    assert.match(list[0]!.uuid, /^GPU-/);
  });

  it('starts each pool\'s worker with exactly its own devices, all layers offloaded, and names the pool on the command line', async () => {
    assert.equal((await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'H100' })).status, 200);
    assert.equal((await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'L40S' })).status, 200);
    const h100 = workerOf(`${SMALL}@H100`);
    const l40s = workerOf(`${SMALL}@L40S`);
    assert.equal(h100.cudaVisibleDevices, '0');
    assert.equal(l40s.cudaVisibleDevices, '2');
    assert.ok(h100.args.includes('--gpu-layers') && h100.args[h100.args.indexOf('--gpu-layers') + 1] === 'max');
    assert.deepEqual(holders(await devices(gw.url)), [`${SMALL}@H100`, null, `${SMALL}@L40S`, null]);
  });

  it('evicts the idle pool holding the type when a 2-GPU spec needs its device, and the sets stay disjoint', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'H100:2' });
    assert.equal(response.status, 200);
    assert.equal(workerOf(`${SMALL}@H100:2`).cudaVisibleDevices, '0,1');
    assert.equal(processesLabelled(`${SMALL}@H100`).length, 0, 'the H100 pool\'s worker was stopped');
    const status = await (await fetch(`${gw.url}/warmup/status/${SMALL}?gpu=H100`)).json();
    assert.equal(status.status, 'cold');
    assert.deepEqual(holders(await devices(gw.url)), [`${SMALL}@H100:2`, `${SMALL}@H100:2`, `${SMALL}@L40S`, null]);
  });

  it('sends a spec this host has no devices for to the next matching pool entry', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'A100' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-selected-gpu'), 'A100');
    assert.equal(upstream.requests.length, 1);
  });

  it('answers 503 no_capacity naming what the host has when no entry is left', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'H100:4' });
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.error.code, 'no_capacity');
    assert.match(body.detail, /this host has 2 × H100, 1 × L40S, 1 × Tesla T4/);
  });

  it('frees a crashed worker\'s devices', async () => {
    process.kill(workerOf(`${SMALL}@H100:2`).pid, 'SIGKILL');
    await eventually(async () => (await devices(gw.url))[0]!.pool === null, 'device 0 is free again');
    assert.deepEqual(holders(await devices(gw.url)), [null, null, `${SMALL}@L40S`, null]);
  });

  it('makes a start wait in line while every device of its type is busy, and lets it go when the call ends', async () => {
    const held = await holdCall(gw.url, SMALL, 'L40S');
    const waiting = post(`${gw.url}/v1/chat/completions`, chat(OTHER), { 'X-GPU-Preference': 'L40S' });
    await eventually(async () => (await metric(gw.url, 'gpuroute_queue_depth')) === 1, 'one start waits in line');
    assert.equal(processesLabelled(`${OTHER}@L40S`).length, 0);
    held.release();
    const response = await waiting;
    assert.equal(response.status, 200);
    assert.equal(workerOf(`${OTHER}@L40S`).cudaVisibleDevices, '2');
    assert.equal(await metric(gw.url, 'gpuroute_queue_depth'), 0);
    assert.ok((await metric(gw.url, 'gpuroute_queue_wait_seconds_count')) >= 1);
  });

  it('takes a caller who hangs up out of the line', async () => {
    const held = await holdCall(gw.url, OTHER, 'L40S');
    const controller = new AbortController();
    const gone = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gpu-preference': 'L40S' },
      body: JSON.stringify(chat(SMALL)),
      signal: controller.signal,
    }).catch(() => undefined);
    await eventually(async () => (await metric(gw.url, 'gpuroute_queue_depth')) === 1, 'the call waits in line');
    controller.abort();
    await gone;
    await eventually(async () => (await metric(gw.url, 'gpuroute_queue_depth')) === 0, 'the line is empty again');
    held.release();
  });
});

describe('waiting in line is bounded, on a host without GPUs too', () => {
  let gw: RunningGateway;
  before(async () => {
    // No nvidia-smi on this PATH: a CPU host, where workers.max_live is what runs out.
    const config = { workers: { models_dir: await modelsDirWithTestModel(), max_live: 1, queue_timeout_ms: 300 }, pools: [{ kind: 'local' }] };
    gw = await startGateway(config, { PATH: '/nonexistent' });
  });
  after(() => gw.close());

  it('answers 503 no_capacity with Retry-After after workers.queue_timeout_ms', async () => {
    const held = await holdCall(gw.url, SMALL, 'L40S');
    const response = await post(`${gw.url}/v1/chat/completions`, chat(OTHER), { 'X-GPU-Preference': 'L40S' });
    held.release();
    assert.equal(response.status, 503);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    const body = await response.json();
    assert.equal(body.error.code, 'no_capacity');
    assert.match(body.detail, /workers\.queue_timeout_ms\); this host has no GPU/);
  });
});

describe('weights that cannot fit the devices a pool would get', () => {
  let gw: RunningGateway;
  before(async () => {
    // An 8 MiB card: less than the test model's weights and context need.
    gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel() }, pools: [{ kind: 'local' }] }, withFakeSmi(fakeNvidiaSmi([[0, 'NVIDIA L4', 8]])));
  });
  after(() => gw.close());

  for (const [what, call] of [
    ['a call', (url: string) => post(`${url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'L4' })],
    ['a warm-up', (url: string) => fetch(`${url}/warmup/${SMALL}?gpu=L4`, { method: 'POST' })],
  ] as const) {
    it(`answers ${what} with a 400 that says how much it needs and what the devices offer`, async () => {
      const response = await call(gw.url);
      assert.equal(response.status, 400);
      const body = await response.json();
      assert.equal(body.error.code, 'insufficient_memory');
      assert.match(body.detail, /needs \d+\.\d+ GB per GPU on L4 \(test-model weights\), but this host's L4 cards offer 0\.01 GB each \(8 MiB × 0\.9\)/);
      assert.equal(processesLabelled(`${SMALL}@L4`).length, 0, 'no worker was started');
    });
  }
});

describe('gpus.devices overrides what nvidia-smi reports', () => {
  const smi = () => withFakeSmi(fakeNvidiaSmi(INVENTORY));

  it('uses the listed devices as the listed types', async () => {
    const gw = await startGateway({ gpus: { devices: [{ index: 3, type: 'l4' }] }, pools: [{ kind: 'local' }] }, smi());
    try {
      assert.deepEqual((await devices(gw.url)).map((d) => [d.index, d.type, d.name]), [[3, 'L4', 'Tesla T4']]);
      const response = await post(`${gw.url}/v1/chat/completions`, chat(SMALL), { 'X-GPU-Preference': 'H100' });
      assert.equal(response.status, 503, 'the H100s were not listed, so this host has none to give');
    } finally {
      await gw.close();
    }
  });

  it('refuses at start a device index nvidia-smi does not list, naming it', async () => {
    await assert.rejects(startGateway({ gpus: { devices: [{ index: 7, type: 'H100' }] } }, smi()), /gpus\.devices: there is no device 7 on this host; nvidia-smi lists 0, 1, 2, 3/);
  });

  it('"none" runs every spec on the CPU as on a host without GPUs', async () => {
    const gw = await startGateway({ gpus: { devices: 'none' }, pools: [{ kind: 'local' }] }, smi());
    try {
      assert.deepEqual(await devices(gw.url), []);
      const status = await (await fetch(`${gw.url}/warmup/status/${SMALL}?gpu=H100:8`)).json();
      assert.deepEqual([status.status, status.device], ['cold', 'cpu']);
    } finally {
      await gw.close();
    }
  });
});
