import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Device } from '../devices/discover-devices.js';
import { EndpointGroup } from '../upstream/endpoint-group.js';
import type { EndpointOptions } from '../upstream/endpoint.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';
import type { ResolvedWeights } from './resolve-weights.js';
import { exitReason, lastLines, stopProcess, tailOutput, workerEnv } from './worker-process.js';

export interface CommandEngine {
  /** Argument list with `{model}`, `{gguf}`, `{port}`, `{count}`, `{devices}`, `{type}`. */
  command: readonly string[];
  /** @default /health, then /v1/models */
  readyPath?: string | undefined;
}

export interface CommandPool {
  model: string;
  /** Spec's type and count, for `{type}` and `{count}`. */
  type: string;
  count: number;
  weights: ResolvedWeights;
  label: string;
}

// A server that has /health says there when it is ready (vLLM, SGLang and llama-server
// answer 503 while loading); /v1/models, which answers as soon as the server listens,
// only stands in for a server without /health (404).
const DEFAULT_READY_PATHS = ['/health', '/v1/models'];
const READY_POLL_MS = 250;
const READY_REQUEST_MS = 2_000;

/** A port that was free a moment ago: the server is told to listen on it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The argument list with every placeholder filled in; config refused unknown ones. */
export function fillPlaceholders(args: readonly string[], values: Record<string, string>): string[] {
  return args.map((arg) => arg.replace(/\{([A-Za-z_]+)\}/g, (whole, name: string) => values[name] ?? whole));
}

/** The status `url` answers with, or 0 when it does not answer. */
async function statusOf(url: string, signal: AbortSignal): Promise<number> {
  try {
    const { statusCode, body } = await request(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(READY_REQUEST_MS)]) });
    await body.dump();
    return statusCode;
  } catch {
    return 0;
  }
}

/**
 * `engine: command`: any OpenAI-compatible server (vLLM, SGLang, llama-server …) started
 * from an argument list, without a shell, in its own process group with the pool's
 * devices as CUDA_VISIBLE_DEVICES. Ready when its ready path answers 200.
 */
export class CommandLauncher implements PoolLauncher {
  readonly kind = 'local';
  readonly device = 'cpu';
  readonly weights: string;
  readonly #engine: CommandEngine;
  readonly #pool: CommandPool;
  readonly #requests: EndpointOptions;

  constructor(engine: CommandEngine, pool: CommandPool, requests: EndpointOptions) {
    this.#engine = engine;
    this.#pool = pool;
    this.#requests = requests;
    this.weights = pool.weights.label;
  }

  async launch(signal: AbortSignal, devices: readonly Device[]): Promise<LaunchedPool> {
    const port = await freePort();
    const [file, ...args] = fillPlaceholders(this.#engine.command, {
      model: this.#pool.model,
      gguf: this.#pool.weights.path,
      port: String(port),
      count: String(this.#pool.count),
      devices: devices.map((d) => d.index).join(','),
      type: this.#pool.type,
    });
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: workerEnv(devices) });
    const lines = tailOutput(child);
    const exited = exitReason(child, `${file} (${this.#pool.label})`, lines);
    const stop = () => stopProcess(child, { group: true });
    try {
      await this.#awaitReady(port, exited, signal);
    } catch (error) {
      await stop();
      const output = lastLines(lines);
      throw new Error(`${(error as Error).message}${output && !(error as Error).message.includes(output) ? `; its last output: ${output}` : ''}`);
    }
    const group = new EndpointGroup([`http://127.0.0.1:${port}/v1`], this.#requests);
    const device = devices.length ? 'cuda' : 'cpu';
    return {
      group,
      device,
      exited,
      stop: async () => {
        await stop();
        await group.close();
      },
    };
  }

  async #awaitReady(port: number, exited: Promise<string>, signal: AbortSignal): Promise<void> {
    let gone: string | undefined;
    void exited.then((reason) => (gone = reason));
    const paths = this.#engine.readyPath ? [this.#engine.readyPath] : DEFAULT_READY_PATHS;
    for (;;) {
      if (gone) throw new Error(gone);
      if (signal.aborted) throw signal.reason as Error;
      for (const path of paths) {
        const status = await statusOf(`http://127.0.0.1:${port}${path}`, signal);
        if (status === 200) return;
        if (status !== 404) break;
      }
      await sleep(READY_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  }
}
