import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { ensureTestModel } from '../../src/worker/test-model/make-test-model.js';
import { startGateway, type RunningGateway } from './gateway-under-test.js';

/** A models_dir holding the generated test model, made once and shared by the test files. */
export async function modelsDirWithTestModel(): Promise<string> {
  const dir = join(tmpdir(), 'gpuroute-test-models');
  await ensureTestModel(testModelPath(dir));
  return dir;
}

/** Worker processes that are children of `parent` (the in-process gateway), by pid. */
export async function workerPids(parent = process.pid): Promise<number[]> {
  const { execFileSync } = await import('node:child_process');
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out
    .split('\n')
    .filter((line) => / worker --model /.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** Polls `check` until it returns true; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A GGUF cut short: llama.cpp refuses it at once ("Failed to load model"). Random bytes
 * after a GGUF magic are worse for a test: the header's counts can send the loader into
 * gigabyte allocations for minutes.
 */
export async function truncatedModel(): Promise<string> {
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const path = join(mkdtempSync(join(tmpdir(), 'gpuroute-truncated-')), 'truncated.gguf');
  writeFileSync(path, readFileSync(testModelPath(await modelsDirWithTestModel())).subarray(0, 4096));
  return path;
}

/** A gateway whose only pool is local, serving the generated test model (one worker per GPU asked for). */
export async function startGatewayWithTestModel(maxLive = 1): Promise<RunningGateway> {
  return startGateway({ workers: { models_dir: await modelsDirWithTestModel(), max_live: maxLive }, pools: [{ kind: 'local' }] });
}
