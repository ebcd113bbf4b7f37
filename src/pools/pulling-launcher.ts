import type { Config } from '../config/config-schema.js';
import type { Device } from '../devices/discover-devices.js';
import type { LaunchedPool, LaunchEvents, PoolLauncher } from './pool-launcher.js';
import { pullPoolWeights } from './pull-weights.js';
import { resolveWeights, TEST_MODEL_LABEL, type ResolvedWeights } from './resolve-weights.js';

/**
 * workers.pull (issue 15 §3): a local pool whose model has only the test model on disk
 * downloads its weights at the start of a launch, then launches the engine on them.
 * Status names the test model until the download is done, the downloaded file after.
 * Weights are looked up again at each launch, so a `gpuroute pull` run meanwhile counts.
 */
export class PullingLauncher implements PoolLauncher {
  readonly kind = 'local';
  readonly device = 'cpu';
  readonly #model: string;
  readonly #config: Pick<Config, 'models' | 'workers'>;
  readonly #launcherOn: (weights: ResolvedWeights) => PoolLauncher;
  #launcher: PoolLauncher;

  constructor(model: string, config: Pick<Config, 'models' | 'workers'>, launcherOn: (weights: ResolvedWeights) => PoolLauncher) {
    this.#model = model;
    this.#config = config;
    this.#launcherOn = launcherOn;
    this.#launcher = launcherOn(resolveWeights(model, config));
  }

  get weights(): string {
    return this.#launcher.weights;
  }

  async launch(signal: AbortSignal, devices: readonly Device[], events?: LaunchEvents): Promise<LaunchedPool> {
    let weights = resolveWeights(this.#model, this.#config);
    if (weights.label === TEST_MODEL_LABEL) {
      events?.downloading({ bytes: 0, totalBytes: 0, progress: 0, speed: 0 });
      weights = await pullPoolWeights(this.#model, this.#config, { signal, ...(events && { onProgress: (progress) => events.downloading(progress) }) });
      events?.downloaded();
    }
    if (weights.label !== this.#launcher.weights) this.#launcher = this.#launcherOn(weights);
    return this.#launcher.launch(signal, devices);
  }
}
