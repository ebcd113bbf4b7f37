import type { Config } from '../config/config-schema.js';
import { parseGpuSpec } from '../gpu/gpu-spec.js';
import type { EndpointOptions } from '../upstream/endpoint.js';
import { CommandLauncher } from './command-launcher.js';
import { LocalWorkerLauncher } from './local-worker-launcher.js';
import type { PoolEntry } from './pool-entries.js';
import type { PoolLauncher } from './pool-launcher.js';
import { PullingLauncher } from './pulling-launcher.js';
import { resolveWeights, type ResolvedWeights } from './resolve-weights.js';
import { UpstreamProbeLauncher } from './upstream-probe-launcher.js';

/**
 * How the pool (model, gpu) of `entry` becomes warm: probing an upstream, the built-in
 * worker, or a command engine. `workerRequests`: how calls reach a local worker.
 */
export function launcherFor(entry: PoolEntry, model: string, gpu: string, config: Pick<Config, 'models' | 'workers'>, workerRequests: EndpointOptions): PoolLauncher {
  if (entry.group) return new UpstreamProbeLauncher(entry.group, model);
  // The pool's name on the worker's command line, so `ps` shows which pool a process serves.
  const label = `${model}@${gpu}`;
  const launcherOn = (weights: ResolvedWeights): PoolLauncher => {
    if (entry.config.engine === 'command' && entry.config.command) {
      const parsed = parseGpuSpec(gpu);
      const [type, count] = parsed.ok ? [parsed.spec.type.name, parsed.spec.count] : [gpu, 1];
      return new CommandLauncher({ command: entry.config.command, readyPath: entry.config.ready_path }, { model, type, count, weights, label }, workerRequests);
    }
    const { threads, context_tokens: contextTokens, parallel } = config.workers;
    return new LocalWorkerLauncher(weights, { threads, contextTokens, parallel, requests: workerRequests }, label);
  };
  // workers.pull: weights missing at a launch are downloaded first (issue 15 §3).
  return config.workers.pull ? new PullingLauncher(model, config, launcherOn) : launcherOn(resolveWeights(model, config));
}
