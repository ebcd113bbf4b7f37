import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/gpuroute.js`;

export interface ServingProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`). */
export async function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCommand(process.execPath, [BIN, ...args], env);
}

/**
 * Starts a command that serves HTTP and waits for its `ready` log line ("gpuroute
 * listening" by default), which carries the URL (use --port 0 for an ephemeral port).
 */
export async function startServing(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000, ready = 'gpuroute listening'): Promise<ServingProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready}" line within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (data: Buffer) => {
      out += data;
      const match = new RegExp(`"url":"(http://[^"]+)"[^\n]*"msg":"${ready}"`).exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      // The whole group, so `npm start` and the node it runs both stop.
      process.kill(-child.pid!, 'SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
