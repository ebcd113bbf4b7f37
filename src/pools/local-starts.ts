import { GatewayError } from '../errors/gateway-error.js';
import { parseGpuSpec } from '../gpu/gpu-spec.js';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import { onAbort, type AnySignal } from '../upstream/upstream-signal.js';
import type { Pool } from './pool.js';
import type { ResolvedWeights } from './resolve-weights.js';
import type { WorkerAdmission } from './worker-admission.js';

/**
 * GB of GPU memory that loading `weights` takes in all (weights, context and compute
 * buffers), split evenly over the pool's devices, as llama.cpp splits layers.
 */
export type MemoryNeed = (weights: ResolvedWeights) => Promise<number>;

export interface LocalStartsOptions {
  admission: WorkerAdmission;
  /** The weights a pool of this model loads; undefined while they are still to be downloaded (workers.pull). */
  weightsOf(model: string): ResolvedWeights | undefined;
  /** @default nothing is checked */
  memoryNeed?: MemoryNeed | undefined;
  /** gpus.memory_utilization */
  memoryUtilization: number;
}

/** A pending admission of one pool, shared by every caller that wants it started. */
interface Admitting {
  done: Promise<void>;
  controller: AbortController;
  /** Callers who can leave (a client that hangs up); 0 with `held` false aborts the wait. */
  waiting: number;
  /** A caller that cannot leave (a warm-up) keeps the place in line. */
  held: boolean;
}

/**
 * Starting local pools: the memory check against the devices a pool would get, then a
 * worker slot (maybe after waiting in line), then the pool's own shared start.
 */
export class LocalStarts {
  readonly #options: LocalStartsOptions;
  readonly #admitting = new Map<Pool, Admitting>();

  constructor(options: LocalStartsOptions) {
    this.#options = options;
  }

  /**
   * The pool's endpoints once started. `leave` (a caller hanging up) takes this caller
   * out of the line; the place in line goes when every caller has left.
   */
  warm(pool: Pool, leave?: AnySignal): Promise<EndpointGroup> {
    const admitting = this.#admitting.get(pool) ?? this.#admit(pool);
    if (!leave) {
      admitting.held = true;
      return admitting.done.then(() => pool.warm());
    }
    admitting.waiting++;
    let left = false;
    const stop = onAbort(leave, () => {
      left = true;
      if (--admitting.waiting === 0 && !admitting.held) admitting.controller.abort(new GatewayError('client_closed', 'The client closed the connection while its call waited in line.'));
    });
    return admitting.done
      .then(() => pool.warm())
      .finally(() => {
        stop();
        if (!left) admitting.waiting--;
      });
  }

  /**
   * A 400 when the pool's weights cannot fit the devices it would get (on a GPU host;
   * specs on a CPU host are simulated). Checked before a start, and by warm-ups up front.
   */
  async checkFit(pool: Pool): Promise<void> {
    const { admission, memoryNeed, memoryUtilization } = this.#options;
    const parsed = parseGpuSpec(pool.gpu);
    if (pool.launcher.kind !== 'local' || !admission.allocator.gpuHost || !memoryNeed || !parsed.ok) return;
    const { type, count } = parsed.spec;
    const cards = admission.allocator.devices.filter((d) => d.type === type.name);
    if (cards.length < count) return;
    // Weights still to be downloaded cannot be measured yet: the worker's own load says
    // if they do not fit once they are there, and later starts check them up front.
    const weights = this.#options.weightsOf(pool.model);
    if (!weights) return;
    let needGb: number;
    try {
      needGb = (await memoryNeed(weights)) / count;
    } catch {
      return; // An unreadable file: the worker's own load says what is wrong with it.
    }
    const smallest = Math.min(...cards.map((d) => d.memoryMiB));
    const usableGb = (smallest * 2 ** 20 * memoryUtilization) / 1e9;
    if (needGb <= usableGb) return;
    throw new GatewayError(
      'insufficient_memory',
      `${pool.model} needs ${needGb.toFixed(2)} GB per GPU on ${pool.gpu} (${pool.launcher.weights} weights), but this host's ${type.name} cards offer ${usableGb.toFixed(2)} GB each (${smallest} MiB × ${memoryUtilization}). Choose a spec with more or larger GPUs, or smaller (quantised) weights.`,
      'gpu_preference',
    );
  }

  #admit(pool: Pool): Admitting {
    const controller = new AbortController();
    const admitting: Admitting = { controller, waiting: 0, held: false, done: Promise.resolve() };
    admitting.done = (async () => {
      try {
        await this.checkFit(pool);
        const slot = await this.#options.admission.admit(pool, controller.signal);
        // The start is shared through the pool from here on; its failure reaches callers there.
        pool.warm(slot).catch(() => undefined);
      } finally {
        this.#admitting.delete(pool);
      }
    })();
    this.#admitting.set(pool, admitting);
    return admitting;
  }
}
