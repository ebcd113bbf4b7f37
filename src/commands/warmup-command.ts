import { setTimeout as sleep } from 'node:timers/promises';
import { ClientError, GatewayClient, modelPath, type ClientFlags } from './gateway-client.js';

export interface WarmupFlags extends ClientFlags {
  model: string;
  gpu?: string | undefined;
  wait: boolean;
  timeoutMs: number;
}

interface WarmupStatus {
  status: 'cold' | 'warming' | 'warmed' | 'failed';
  gpu: string;
  device?: string;
  weights?: string;
  error?: string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const POLL_MS = 250;

/**
 * `gpuroute warmup MODEL [--gpu X] [--wait]`: asks for the warm-up, then (with --wait)
 * shows the state and elapsed time until the pool is warmed; non-zero when it fails.
 */
export async function warmupCommand(flags: WarmupFlags, out: NodeJS.WriteStream = process.stderr): Promise<number> {
  const client = new GatewayClient(flags);
  const query = flags.gpu ? `?gpu=${encodeURIComponent(flags.gpu)}` : '';
  const started = await client.json<{ status: string; gpu: string }>('POST', `/warmup/${modelPath(flags.model)}${query}`);
  const statusPath = `/warmup/status/${modelPath(flags.model)}?gpu=${encodeURIComponent(started.gpu)}`;
  if (!flags.wait) {
    process.stdout.write(`${flags.model} on ${started.gpu}: ${started.status}\n`);
    return 0;
  }
  const t0 = Date.now();
  let frame = 0;
  let lastState = '';
  for (;;) {
    const status = await client.json<WarmupStatus>('GET', statusPath);
    const elapsed = ((Date.now() - t0) / 1000).toFixed(1);
    const line = `${flags.model} on ${status.gpu}: ${status.status} ${elapsed}s`;
    if (out.isTTY) out.write(`\r${FRAMES[frame++ % FRAMES.length]} ${line}\u001b[K`);
    else if (status.status !== lastState) out.write(`${line}\n`);
    lastState = status.status;
    if (status.status === 'warmed') {
      if (out.isTTY) out.write('\n');
      process.stdout.write(`warmed ${flags.model} on ${status.gpu} in ${elapsed}s (device ${status.device}, weights ${status.weights})\n`);
      return 0;
    }
    if (status.status === 'failed' || status.status === 'cold') {
      if (out.isTTY) out.write('\n');
      // cold after warming means the pool was evicted or stopped before it was used.
      throw new ClientError(`warm-up of ${flags.model} on ${status.gpu} ${status.status === 'failed' ? `failed: ${status.error}` : 'ended cold (evicted or stopped)'}`);
    }
    if (Date.now() - t0 > flags.timeoutMs) {
      if (out.isTTY) out.write('\n');
      throw new ClientError(`${flags.model} on ${status.gpu} is still ${status.status} after ${elapsed}s; raise --timeout or check the gateway log`);
    }
    await sleep(POLL_MS);
  }
}
