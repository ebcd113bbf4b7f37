import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder holding a fake `nvidia-smi` that prints `rows` as the real one answers
 * `--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`. Put it first
 * on PATH to make the gateway see those devices.
 */
export function fakeNvidiaSmi(rows: ReadonlyArray<readonly [index: number, name: string, memoryMiB: number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpuroute-fake-smi-'));
  const csv = rows.map(([index, name, memory]) => `${index}, GPU-${String(index).padStart(8, '0')}-fake, ${name}, ${memory}`).join('\n');
  writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\ncat <<'ROWS'\n${csv}\nROWS\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

/** An environment whose PATH finds the fake nvidia-smi in `dir` first. */
export function withFakeSmi(dir: string): NodeJS.ProcessEnv {
  return { PATH: `${dir}:${process.env.PATH ?? ''}` };
}

export interface WorkerProcess {
  pid: number;
  args: string[];
  /** CUDA_VISIBLE_DEVICES as the process was started with, or undefined. */
  cudaVisibleDevices: string | undefined;
}

/**
 * Children of `parent` (the in-process gateway) whose command line contains
 * `--label <label>` (what `ps` shows), read from /proc. Other test files run workers
 * with the same labels at the same time.
 */
export function processesLabelled(label: string, parent = process.pid): WorkerProcess[] {
  const found: WorkerProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    let environ: string[];
    try {
      // stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const at = args.indexOf('--label');
    if (at < 0 || args[at + 1] !== label) continue;
    const cuda = environ.find((kv) => kv.startsWith('CUDA_VISIBLE_DEVICES='));
    found.push({ pid: Number(entry), args, cudaVisibleDevices: cuda?.slice('CUDA_VISIBLE_DEVICES='.length) });
  }
  return found;
}
