import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ROOT } from './spawn-cli.js';

const SCRIPT = fileURLToPath(new URL('./slow-stream-server.ts', import.meta.url));

export interface SlowStreamUpstream {
  /** OpenAI base URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  child: ChildProcess;
  /** Chat calls it has received so far. */
  requests(): number;
  /** SIGKILL (no goodbye on any socket beyond what the kernel does) and wait for the exit; resolves with performance.now() at the kill. */
  kill(): Promise<number>;
}

/**
 * Starts slow-stream-server.ts as a child process (under tsx) and resolves once it
 * listens. Streams a chunk every `chunkMs`, at most `maxChunks` of them.
 */
export async function startSlowStreamUpstream(chunkMs = 100, maxChunks = 300, timeoutMs = 20_000): Promise<SlowStreamUpstream> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, String(chunkMs), String(maxChunks)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let requests = 0;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`slow-stream-server did not listen within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    child.stdout!.on('data', (data: Buffer) => {
      out += data;
      const match = /\{"url":"([^"]+)"\}/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
      requests = (out.match(/\{"request":\d+\}/g) ?? []).length;
    });
    child.stderr!.on('data', (data: Buffer) => (out += data));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`slow-stream-server exited (${signal ?? code}) before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    requests: () => requests,
    async kill() {
      const killedAt = performance.now();
      if (child.exitCode !== null || child.signalCode !== null) return killedAt;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      return killedAt;
    },
  };
}
