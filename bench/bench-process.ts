import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface BenchProcess {
  child: ChildProcess;
  /** The first JSON line the process printed that matched. */
  ready: Record<string, unknown>;
  rssMb(): number;
  stop(): Promise<void>;
}

/** Resident memory of a process, MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Starts a process and waits for a stdout line that `isReady` accepts. */
export async function startProcess(command: string, args: string[], isReady: (line: string) => Record<string, unknown> | undefined, env: NodeJS.ProcessEnv = {}): Promise<BenchProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} did not start:\n${log}`)), 60_000);
    let carry = '';
    child.stdout!.on('data', function watch(data: Buffer) {
      const lines = (carry + data.toString()).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        log += `${line}\n`;
        const found = isReady(line);
        if (found) {
          // From here on the output is drained and dropped: keeping it would make this
          // process, which shares the cores with the load generator, do work per request.
          child.stdout!.off('data', watch);
          child.stderr!.removeAllListeners('data');
          clearTimeout(timer);
          resolve(found);
        }
      }
    });
    child.stderr!.on('data', (data: Buffer) => (log += data));
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${log}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    ready,
    rssMb: () => rssMb(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a one-shot bench script in its own process and returns its last JSON line. */
export async function runJson<T>(script: string, options: unknown, onLine?: (line: Record<string, unknown>) => void): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last: T | undefined;
  let carry = '';
  child.stdout.on('data', (data: Buffer) => {
    const lines = (carry + data.toString()).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      last = JSON.parse(line) as T;
      onLine?.(last as Record<string, unknown>);
    }
  });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0 || last === undefined) throw new Error(`${script} exited with ${code}`);
  return last;
}
