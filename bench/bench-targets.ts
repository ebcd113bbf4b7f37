// What the bench and the profile both start: the mock upstream, and gpuroute with one pool
// pointing at it, each in its own process; and the chat body every target is sent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type BenchProcess } from './bench-process.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHAT_BODY = JSON.stringify({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 });

/** Accepts the first stdout line that is JSON holding `key`. */
export const jsonLine = (key: string) => (line: string) => {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return key in parsed ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/** The mock upstream; `ready.url` is its origin. */
export function startMockUpstream(): Promise<BenchProcess> {
  return startProcess(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/mock-upstream-server.ts')], jsonLine('url'));
}

/**
 * `gpuroute serve` (built) with one catch-all pool on the mock; `ready.url` is its address.
 * `yaml`: more top-level config keys.
 */
export function startGpuroute(mockUrl: string, nodeArgs: readonly string[] = [], yaml = ''): Promise<BenchProcess> {
  const config = join(mkdtempSync(join(tmpdir(), 'gpuroute-bench-')), 'gpuroute.yaml');
  writeFileSync(config, `pools:\n  - gpu: "*"\n    models: ["*"]\n    endpoints: ["${mockUrl}/v1"]\n${yaml}`);
  return startProcess(process.execPath, [...nodeArgs, join(ROOT, 'bin/gpuroute.js'), 'serve', '--config', config, '--port', '0'], (line) =>
    line.includes('"gpuroute listening"') ? (JSON.parse(line) as Record<string, unknown>) : undefined,
  );
}
