import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { BIN, ROOT } from '../helpers/spawn-cli.js';

// The gateway test runs dist/ through bin/gpuroute.js: `npm run build` first.

/** Resolves with the exit code, or rejects when the process is still running after `ms`. */
async function exitWithin(child: ReturnType<typeof spawn>, ms: number): Promise<number | null> {
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  assert.notEqual(signal, 'SIGKILL', `still running ${ms} ms after it should have exited`);
  return code;
}

async function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    if (out.includes('\n')) return out;
  }
  throw new Error(`stdout ended before a line: ${out}`);
}

describe('a closed stdout (serve | pino-pretty, and the reader is gone)', { timeout: 60_000 }, () => {
  it('the logger drops its lines instead of retrying the write forever, so the process exits', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/log-after-reader-gone.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    await firstLine(child);
    child.stdout!.destroy();
    child.stdin!.end('go');
    assert.equal(await exitWithin(child, 15_000), 3);
  });

  it('the gateway drains and exits 0 after SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: ROOT, env: { ...process.env, GPUROUTE_API_KEYS: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        const match = /"url":"(http:[^"]+)"[^\n]*"msg":"gpuroute listening"/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    child.stdout!.destroy();
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`${url}/health`)).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exitWithin(child, 15_000), 0);
  });
});
