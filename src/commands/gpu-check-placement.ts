import { configSchema } from '../config/config-schema.js';
import type { Device } from '../devices/discover-devices.js';
import { gpuProcesses, type GpuProcess } from '../devices/gpu-processes.js';
import { createGateway } from '../gateway.js';
import { processesLabelled } from '../pools/worker-process.js';

/** One line of the report; `ok: false` makes gpu-check exit 1. */
export type Report = (ok: boolean, line: string) => void;

async function chat(url: string, model: string, gpu: string): Promise<{ status: number; selected: string | null; code?: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gpu-preference': gpu },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 8 }),
  });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, selected: response.headers.get('x-selected-gpu'), code: body.error?.code };
}

/** What the driver lists for `pid`, or why nvidia-smi could not say. */
async function driverSees(pid: number): Promise<GpuProcess[] | string> {
  try {
    return (await gpuProcesses()).filter((p) => p.pid === pid);
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * gpu-check's end-to-end half: a real gateway with the default local pool, one call naming
 * `type`, and then the operating system's and the driver's word that the worker it
 * started sees exactly the cards the gateway gave it and runs on them; a spec with more
 * cards of `type` than the host has is refused; closing the gateway takes the worker off
 * the cards.
 */
export async function checkPlacement(type: string, modelsDir: string, report: Report): Promise<void> {
  const config = configSchema.parse({ workers: { models_dir: modelsDir, parallel: 1 } });
  const gateway = await createGateway(config);
  let onGpu: number | undefined;
  try {
    const url = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const model = gateway.catalog.list().find((m) => m.inferenceGpus.some((s) => s.canonical === type));
    if (!model) return report(false, `no catalog model serves on ${type}: nothing to route`);
    const label = `${model.id}@${type}`;
    const call = await chat(url, model.id, type);
    report(call.status === 200 && call.selected === type, `through the gateway: ${model.id} naming ${type} → ${call.status}${call.code ? ` ${call.code}` : ''}, X-Selected-GPU ${call.selected}`);

    const held: Device[] = gateway.pools.devices.devices.filter((d) => gateway.pools.devices.holder(d.index) === label);
    const [worker] = processesLabelled(label);
    const pid = worker?.pid;
    const given = held.map((d) => d.index).join(',');
    report(worker !== undefined && worker.cudaVisibleDevices === given, `its worker: pid ${pid ?? 'not found'}, CUDA_VISIBLE_DEVICES=${worker?.cudaVisibleDevices ?? 'unset'}; the gateway gave it device ${given || 'none'}`);
    if (pid !== undefined) {
      const seen = await driverSees(pid);
      const onCards = typeof seen === 'string' ? [] : seen.filter((p) => held.some((d) => d.uuid === p.gpuUuid));
      if (onCards.length) onGpu = pid;
      report(
        onCards.length === held.length && held.length > 0,
        typeof seen === 'string'
          ? `nvidia-smi --query-compute-apps could not say: ${seen}`
          : seen.length
            ? `nvidia-smi: pid ${pid} on ${seen.map((p) => `${p.gpuUuid} (${p.usedMiB ?? '?'} MiB)`).join(', ')}`
            : `nvidia-smi does not list pid ${pid} on any GPU: llama.cpp is not using the card`,
      );
    }

    const hostHas = gateway.pools.devices.devices.filter((d) => d.type === type).length;
    const tooMany = model.inferenceGpus.find((s) => s.type.name === type && s.count > hostHas);
    if (tooMany) {
      const refused = await chat(url, model.id, tooMany.canonical);
      report(refused.status === 503 && refused.code === 'no_capacity', `naming ${tooMany.canonical} (this host has ${hostHas} × ${type}) → ${refused.status} ${refused.code}`);
    }
  } finally {
    await gateway.close();
  }
  if (onGpu === undefined) return;
  const after = await driverSees(onGpu);
  report(Array.isArray(after) && after.length === 0, Array.isArray(after) ? `gateway closed: pid ${onGpu} ${after.length ? 'is still on the GPU' : 'is off the GPU'}` : `after closing, nvidia-smi could not say: ${after}`);
}
