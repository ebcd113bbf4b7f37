#!/usr/bin/env node
// `npm test`: prepares what the tests need, then runs every *.test.ts under tests/ with
// Node's test runner. The CLI tests spawn bin/gpuroute.js, which runs dist/, so dist/ is
// rebuilt first (with the dashboard, dist/dashboard/); the spec's Python contract tests
// need pytest, and the dashboard's browser test Chromium, from Debian's packages.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'helpers' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

run('npm', ['run', 'build', '--silent']);
run('bash', ['scripts/ensure-python-test-deps.sh']);
run('bash', ['scripts/ensure-chromium.sh']);
run('bash', ['scripts/ensure-redis.sh']);
const only = process.argv.slice(2);
// Three files at a time: most of a file's time is spent waiting on workers, child
// processes and sockets, and Node's default (cores - 1) runs them one by one on 2 cores.
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=3', ...(only.length ? only : testFiles(join(root, 'tests')).sort())]);
