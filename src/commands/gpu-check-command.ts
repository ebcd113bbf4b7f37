import { discoverDevices } from '../devices/discover-devices.js';
import { describeDevices } from '../devices/device-inventory.js';
import type { Device } from '../devices/discover-devices.js';
import { checkPlacement } from './gpu-check-placement.js';
import { GPU_TYPE_NAMES } from '../gpu/gpu-types.js';
import { LocalWorkerLauncher } from '../pools/local-worker-launcher.js';
import { TEST_MODEL_LABEL, testModelPath } from '../pools/resolve-weights.js';
import { workerEnv } from '../pools/worker-process.js';
import { ensureTestModel } from '../worker/test-model/make-test-model.js';

export interface GpuCheckFlags {
  modelsDir: string;
  /** Tokens generated per measurement. */
  tokens: number;
}

const START_TIMEOUT_MS = 300_000;
const PROMPT = [{ role: 'user', content: 'Count from one to one hundred.' }];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Starts the built-in worker as the gateway would, times one generation, stops it. */
async function measure(path: string, devices: readonly Device[], cpu: boolean, tokens: number): Promise<{ device: string; tokensPerSecond: number }> {
  const requests = { connectTimeoutMs: 2_000, timeoutMs: START_TIMEOUT_MS, limits: { bodyBytes: 32 * 2 ** 20, eventBytes: 8 * 2 ** 20 } };
  const launcher = new LocalWorkerLauncher({ path, label: TEST_MODEL_LABEL }, { threads: 1, contextTokens: 2048, parallel: 1, cpu, requests }, `gpu-check@${cpu ? 'cpu' : devices.map((d) => d.type).join('+')}`);
  const launched = await launcher.launch(AbortSignal.timeout(START_TIMEOUT_MS), devices);
  try {
    const url = `${launched.group.endpoints[0]!.baseUrl}/chat/completions`;
    const body = JSON.stringify({ model: TEST_MODEL_LABEL, messages: PROMPT, max_tokens: tokens, temperature: 0, seed: 1 });
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await response.json()) as { usage?: { completion_tokens?: number } };
    const seconds = (performance.now() - started) / 1000;
    return { device: launched.device, tokensPerSecond: (answer.usage?.completion_tokens ?? 0) / seconds };
  } finally {
    await launched.stop();
  }
}

/**
 * `gpuroute gpu-check` (`npm run gpu-check`): on a machine with an NVIDIA GPU, lists the
 * devices, runs the built-in worker on the first one the catalog knows with the test
 * model, and compares its tokens/s with a CPU run; then checks through a real gateway
 * that a call naming that type runs on those cards. Exit 1 when no GPU is found,
 * llama.cpp did not run on it, or a placement check failed.
 */
export async function gpuCheckCommand(flags: GpuCheckFlags): Promise<number> {
  const { devices, cpuReason } = await discoverDevices();
  if (!devices.length) {
    say(`no NVIDIA GPU found (${cpuReason}): nothing to check; on this host every GPU spec runs on the CPU`);
    return 1;
  }
  say(`devices: ${describeDevices(devices)}`);
  for (const d of devices) say(`  ${d.index}  ${d.name}  type ${d.type ?? 'unknown (not in the catalog)'}  ${d.memoryMiB} MiB  ${d.uuid}`);
  const chosen = devices.find((d) => d.type !== null) ?? devices[0]!;
  const path = testModelPath(flags.modelsDir);
  await ensureTestModel(path);
  say(`worker on device ${chosen.index} (${chosen.type ?? chosen.name}) with the test model; CUDA_VISIBLE_DEVICES=${workerEnv([chosen]).CUDA_VISIBLE_DEVICES}`);
  const gpu = await measure(path, [chosen], false, flags.tokens);
  say(`llama.cpp reports: ${gpu.device}`);
  say(`generated tokens/s on the GPU: ${gpu.tokensPerSecond.toFixed(1)}`);
  const cpu = await measure(path, [], true, flags.tokens);
  say(`generated tokens/s on the CPU: ${cpu.tokensPerSecond.toFixed(1)}`);
  say(`GPU/CPU: ${(gpu.tokensPerSecond / cpu.tokensPerSecond).toFixed(2)}×`);
  let failed = gpu.device === 'cpu';
  if (failed) say('llama.cpp did not use the GPU: check the driver (nvidia-smi) and that npm installed @node-llama-cpp/linux-x64-cuda');
  if (chosen.type === null) {
    say(`no device of a catalog type (${GPU_TYPE_NAMES.join(', ')}): no call can name one, so the gateway is not checked`);
    return 1;
  }
  await checkPlacement(chosen.type, flags.modelsDir, (ok, line) => {
    failed ||= !ok;
    say(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  });
  return failed ? 1 : 0;
}
