import { spawn, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EndpointGroup } from '../upstream/endpoint-group.js';
import type { EndpointOptions } from '../upstream/endpoint.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';
import type { Device } from '../devices/discover-devices.js';
import type { ResolvedWeights } from './resolve-weights.js';
import { exitReason, stopProcess, tailOutput, workerEnv } from './worker-process.js';

/** What a worker tells its parent over IPC (see src/worker/worker-command.ts). */
export type WorkerMessage =
  | { type: 'listening'; port: number }
  | { type: 'ready'; port: number; device: string }
  | { type: 'failed'; error: string };

export interface LocalWorkerSettings {
  threads: number;
  contextTokens: number;
  /** Sequences the worker generates at once (workers.parallel). */
  parallel: number;
  /** Never use a GPU, even one the worker can see (gpu-check's CPU run). @default false */
  cpu?: boolean;
  /**
   * How calls reach the worker once it is warm: upstream.timeout_ms per request, as for
   * every upstream. warmup.timeout_ms bounds only the start (the pool's signal).
   */
  requests: EndpointOptions;
}

// The CLI beside this module, .ts under tsx and .js once built; the child gets the same
// loader flags (process.execArgv) as the gateway.
const CLI = fileURLToPath(new URL(`../cli${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * Starts `gpuroute worker` as a child process per pool. Every model loads in a child
 * because a malformed GGUF can abort the whole process (exit 134): it must not take the
 * gateway with it.
 */
export class LocalWorkerLauncher implements PoolLauncher {
  readonly kind = 'local';
  readonly device = 'cpu';
  readonly weights: string;
  readonly #weights: ResolvedWeights;
  readonly #settings: LocalWorkerSettings;
  readonly #label: string;

  constructor(weights: ResolvedWeights, settings: LocalWorkerSettings, label: string) {
    this.weights = weights.label;
    this.#weights = weights;
    this.#settings = settings;
    this.#label = label;
  }

  /** On a GPU host `devices` are the worker's CUDA_VISIBLE_DEVICES, and every layer is offloaded to them. */
  async launch(signal: AbortSignal, devices: readonly Device[]): Promise<LaunchedPool> {
    const args = [
      'worker',
      ...['--model', this.#weights.path, '--weights-label', this.#weights.label, '--label', this.#label],
      ...['--threads', String(this.#settings.threads), '--context', String(this.#settings.contextTokens), '--parallel', String(this.#settings.parallel)],
      ...(this.#settings.cpu ? ['--cpu'] : devices.length ? ['--gpu-layers', 'max'] : []),
    ];
    const child = spawn(process.execPath, [...process.execArgv, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: workerEnv(devices) });
    const exited = exitReason(child, 'worker', tailOutput(child));

    try {
      const ready = await this.#awaitReady(child, exited, signal);
      const group = new EndpointGroup([`http://127.0.0.1:${ready.port}/v1`], { ...this.#settings.requests, name: `the local ${this.#label} pool` });
      return {
        group,
        device: ready.device,
        exited,
        stop: async () => {
          await stopProcess(child);
          await group.close();
        },
      };
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
  }

  #awaitReady(child: ChildProcess, exited: Promise<string>, signal: AbortSignal): Promise<{ port: number; device: string }> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void exited.then((reason) => reject(new Error(reason)));
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve({ port: message.port, device: message.device });
        if (message.type === 'failed') reject(new Error(`worker could not load ${this.#weights.path}: ${message.error}`));
      });
    });
  }
}
