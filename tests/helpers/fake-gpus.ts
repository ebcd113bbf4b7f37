import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What the driver would list: every process started with CUDA_VISIBLE_DEVICES that has a
// `worker` argument uses the cards it names, 100 MiB each.
const COMPUTE_APPS = [
  'for d in /proc/[0-9]*; do',
  '  cvd=$({ tr "\\0" "\\n" < "$d/environ"; } 2>/dev/null | sed -n "s/^CUDA_VISIBLE_DEVICES=//p")',
  '  [ -n "$cvd" ] || continue',
  '  { tr "\\0" " " < "$d/cmdline"; } 2>/dev/null | grep -q " worker " || continue',
  '  for i in $(echo "$cvd" | tr "," " "); do echo "${d#/proc/}, GPU-$(printf %08d "$i")-fake, 100"; done',
  'done',
].join('\n');

/**
 * A folder holding a fake `nvidia-smi` that prints `rows` as the real one answers
 * `--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`. Put it first
 * on PATH to make the gateway see those devices. `--query-compute-apps` lists no process,
 * or with `computeApps` the gpuroute workers that were given cards, as if they used them.
 */
export function fakeNvidiaSmi(rows: ReadonlyArray<readonly [index: number, name: string, memoryMiB: number]>, { computeApps = false } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpuroute-fake-smi-'));
  const csv = rows.map(([index, name, memory]) => `${index}, GPU-${String(index).padStart(8, '0')}-fake, ${name}, ${memory}`).join('\n');
  const script = ['#!/bin/sh', 'case "$*" in', '*--query-compute-apps*)', computeApps ? COMPUTE_APPS : ':', ';;', '*)', "cat <<'ROWS'", csv, 'ROWS', ';;', 'esac', ''];
  writeFileSync(join(dir, 'nvidia-smi'), script.join('\n'));
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

/** An environment whose PATH finds the fake nvidia-smi in `dir` first. */
export function withFakeSmi(dir: string): NodeJS.ProcessEnv {
  return { PATH: `${dir}:${process.env.PATH ?? ''}` };
}
