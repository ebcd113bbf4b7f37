import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes } from '../pools/pull-weights.js';
import { ClientError, GatewayClient, modelPath, type ClientFlags } from './gateway-client.js';

export interface WarmupFlags extends ClientFlags {
  model: string;
  gpu?: string | undefined;
  wait: boolean;
  timeoutMs: number;
}

interface WarmupStatus {
  status: 'cold' | 'downloading' | 'warming' | 'warmed' | 'failed';
  gpu: string;
  /** While downloading (workers.pull). */
  progress?: number;
  bytes?: number;
  total_bytes?: number;
  device?: string;
  weights?: string;
  error?: string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const POLL_MS = 250;

/** `downloading 42% (1.2 GB of 3.0 GB)`; the other states as they are. */
function describe(status: WarmupStatus): string {
  if (status.status !== 'downloading' || !status.total_bytes) return status.status;
  return `downloading ${Math.floor((status.progress ?? 0) * 100)}% (${formatBytes(status.bytes ?? 0)} of ${formatBytes(status.total_bytes)})`;
}

/**
 * `gpuroute warmup MODEL [--gpu X] [--wait]`: asks for the warm-up, then (with --wait)
 * shows the state and elapsed time until the pool is warmed; non-zero when it fails.
 * Time spent downloading weights (workers.pull) does not count against --timeout.
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
  let deadline = t0 + flags.timeoutMs;
  for (;;) {
    const status = await client.json<WarmupStatus>('GET', statusPath);
    const elapsed = ((Date.now() - t0) / 1000).toFixed(1);
    const line = `${flags.model} on ${status.gpu}: ${describe(status)} ${elapsed}s`;
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
    if (status.status === 'downloading') deadline = Date.now() + flags.timeoutMs;
    if (Date.now() > deadline) {
      if (out.isTTY) out.write('\n');
      throw new ClientError(`${flags.model} on ${status.gpu} is still ${status.status} after ${elapsed}s; raise --timeout or check the gateway log`);
    }
    await sleep(POLL_MS);
  }
}
