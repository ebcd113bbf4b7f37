import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startServing, type ServingProcess } from './spawn-cli.js';
import { workerPids } from './test-model.js';

export interface Replica extends ServingProcess {
  pid: number;
  /** Worker processes this replica started. */
  workers(): Promise<number[]>;
  /** Parsed JSON log lines so far. */
  logs(): Array<{ level: number; msg: string; [key: string]: unknown }>;
  /** SIGKILL: no shutdown, no claim released, as a crashed replica. */
  kill(): Promise<void>;
}

/** A real `gpuroute serve` process (from dist/: `npm run build` first) with `config` as its file. */
export async function startReplica(config: Record<string, unknown>): Promise<Replica> {
  const file = join(mkdtempSync(join(tmpdir(), 'gpuroute-replica-')), 'gpuroute.yaml');
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  const serving = await startServing(process.execPath, [BIN, 'serve', '--config', file, '--port', '0']);
  const pid = serving.child.pid!;
  const gone = () => serving.child.exitCode !== null || serving.child.signalCode !== null;
  return {
    ...serving,
    pid,
    // spawn-cli's stop() expects a process that is still there (or exited by itself).
    stop: async () => (gone() ? serving.child.exitCode : serving.stop()),
    workers: () => workerPids(pid),
    logs: () =>
      serving
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
    async kill() {
      if (gone()) return;
      const exited = new Promise((resolve) => serving.child.once('exit', resolve));
      serving.child.kill('SIGKILL');
      await exited;
    },
  };
}
