import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Device } from '../devices/discover-devices.js';

const TAIL_LINES = 20;
const SHOWN_LINES = 5;
const STOP_GRACE_MS = 5_000;
// What a process printed just before it exited can arrive after 'exit'; 'close' would
// wait for children that inherited its pipes, so wait for the pipes this long at most.
const LAST_OUTPUT_MS = 200;

/**
 * The environment of a worker given `devices`: exactly those in CUDA_VISIBLE_DEVICES. On
 * a host without GPUs (no devices) the gateway's own environment is passed unchanged.
 */
export function workerEnv(devices: readonly Device[], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return devices.length ? { ...env, CUDA_VISIBLE_DEVICES: devices.map((d) => d.index).join(',') } : env;
}

/** Keeps the last lines a child printed, for the failure that warm-up status shows. */
export function tailOutput(child: ChildProcess): string[] {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - TAIL_LINES));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return lines;
}

/** The last lines, for a failure message: " | "-joined, or "" when it printed nothing. */
export function lastLines(lines: readonly string[]): string {
  return lines.slice(-SHOWN_LINES).join(' | ');
}

/** Resolves with why the child ended (its last lines included), or why it never started. */
export function exitReason(child: ChildProcess, what: string, lines: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const shown = () => (lines.length ? `: ${lastLines(lines)}` : '');
    child.once('error', (error) => resolve(`${what} could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      const done = () => resolve(`${what} exited (${signal ?? `code ${code}`})${shown()}`);
      const timer = setTimeout(done, LAST_OUTPUT_MS);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    });
  });
}

/**
 * SIGTERM, then SIGKILL after a grace period; resolves once the process has exited.
 * `group`: signal the whole process group (a command engine started detached), so a
 * server that forks workers of its own leaves none behind.
 */
export async function stopProcess(child: ChildProcess, { group = false } = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (group) process.kill(-pid, signal);
      else child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  // The leader has gone; children it left in the group get the same end.
  if (group) kill('SIGKILL');
}

export interface WorkerProcess {
  pid: number;
  args: string[];
  /** CUDA_VISIBLE_DEVICES as the process was started with, or undefined. */
  cudaVisibleDevices: string | undefined;
}

/**
 * Children of `parent` (a gateway in this process) whose command line contains
 * `--label <label>` (what `ps` shows), read from /proc (Linux). Children only: other
 * gateways on the host may run workers with the same labels.
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
