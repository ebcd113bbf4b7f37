import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configSchema } from '../../src/config/config-schema.js';
import { post, startGateway, type RunningGateway } from '../helpers/gateway-under-test.js';
import { fakeNvidiaSmi, withFakeSmi } from '../helpers/fake-gpus.js';
import { processesLabelled } from '../../src/pools/worker-process.js';
import { BIN } from '../helpers/spawn-cli.js';
import { eventually, modelsDirWithTestModel } from '../helpers/test-model.js';

// `engine: command` pools run any OpenAI-compatible server from an argument list. Here the
// server is the project's own `gpuroute worker` (a real process, from dist/), started the
// way a vLLM or llama-server preset would be.

const MODEL = 'Qwen/Qwen3-0.6B';
const WORKER = [process.execPath, BIN, 'worker', '--model', '{gguf}', '--port', '{port}', '--label', '{model}@{type}:{count}', '--threads', '1'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function statusOf(url: string, gpu: string) {
  return (await fetch(`${url}/warmup/status/${MODEL}?gpu=${gpu}`)).json() as Promise<{ status: string; error?: string }>;
}

describe('a command engine on a GPU host', () => {
  let gw: RunningGateway;
  before(async () => {
    const smi = fakeNvidiaSmi([
      [0, 'NVIDIA L40S', 46068],
      [1, 'NVIDIA L40S', 46068],
    ]);
    gw = await startGateway({ workers: { models_dir: await modelsDirWithTestModel() }, pools: [{ kind: 'local', engine: 'command', command: WORKER }] }, withFakeSmi(smi));
  });
  after(() => gw.close());

  it('starts the server with every placeholder filled, on its own devices, and forwards calls to it', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }, { 'X-GPU-Preference': 'L40S:2' });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('x-selected-gpu'), 'L40S:2');
    const [server] = processesLabelled(`${MODEL}@L40S:2`);
    assert.ok(server, 'the server runs with the filled-in label');
    assert.equal(server.cudaVisibleDevices, '0,1');
    const gguf = server.args[server.args.indexOf('--model') + 1]!;
    assert.match(gguf, /gpuroute-test-model-v1\.gguf$/);
    const port = Number(server.args[server.args.indexOf('--port') + 1]);
    assert.ok(port > 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
  });
});

describe('command engines that misbehave', () => {
  let gw: RunningGateway;
  let pidFile: string;
  before(async () => {
    pidFile = join(mkdtempSync(join(tmpdir(), 'gpuroute-cmd-')), 'pids');
    // Writes its own pid and a child's, then never answers: the child shows that the whole process group goes.
    const neverReady = `const fs=require('fs');const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1e3)'],{stdio:'ignore'});fs.writeFileSync(${JSON.stringify(pidFile)},process.pid+' '+c.pid);console.log('loading weights, port',process.argv[1]);setInterval(()=>{},1e3)`;
    gw = await startGateway({
      workers: { models_dir: await modelsDirWithTestModel() },
      warmup: { timeout_ms: 3_000 },
      pools: [
        { kind: 'local', gpu: 'L4', engine: 'command', command: [process.execPath, '-e', "console.error('CUDA error: out of memory (fake)'); process.exit(3)"] },
        { kind: 'local', gpu: 'A10G', engine: 'command', command: [process.execPath, '-e', neverReady, '{port}'] },
      ],
    });
  });
  after(() => gw.close());

  it('a server that exits during start leaves the pool failed with its last lines', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, { 'X-GPU-Preference': 'L4' });
    assert.equal(response.status, 502);
    const status = await statusOf(gw.url, 'L4');
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', /exited \(code 3\): CUDA error: out of memory \(fake\)/);
  });

  it('a server that never gets ready fails after warmup.timeout_ms, and its process group is killed', async () => {
    const response = await post(`${gw.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, { 'X-GPU-Preference': 'A10G' });
    assert.equal(response.status, 502);
    const status = await statusOf(gw.url, 'A10G');
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', /not warm after 3000 ms.*loading weights, port \d+/);
    const pids = readFileSync(pidFile, 'utf8').split(' ').map(Number);
    await eventually(() => pids.every((pid) => !alive(pid)), 'the server and its child are gone');
  });
});

describe('command engine config', () => {
  it('refuses an unknown placeholder, naming the ones there are', () => {
    const result = configSchema.safeParse({ pools: [{ kind: 'local', engine: 'command', command: ['vllm', 'serve', '{model}', '--port', '{prot}'] }] });
    assert.equal(result.success, false);
    assert.match(result.error!.issues[0]!.message, /unknown placeholder \{prot\} in "\{prot\}"; the placeholders are \{model\}, \{gguf\}, \{port\}, \{count\}, \{devices\}, \{type\}/);
  });

  it('needs a command for engine: command, and an engine only on local pools', () => {
    assert.match(configSchema.safeParse({ pools: [{ kind: 'local', engine: 'command' }] }).error!.message, /engine: command needs command/);
    assert.match(configSchema.safeParse({ pools: [{ endpoints: ['http://127.0.0.1:9/v1'], engine: 'llama.cpp' }] }).error!.message, /engine belongs to kind: local pools/);
  });
});
