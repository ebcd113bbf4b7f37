import type { WorkerMessage } from '../pools/local-worker-launcher.js';
import { createJsonLogger } from './json-logger.js';
import { toChatHistory } from '../worker/chat-history.js';
import { LlamaEngine } from '../worker/llama-engine.js';
import { buildWorkerApp, type WorkerInfo } from '../worker/worker-app.js';

export interface WorkerFlags {
  model: string;
  host: string;
  port: number;
  threads: number;
  context: number;
  /** Sequences generated at once, batched in one context (`workers.parallel`). */
  parallel: number;
  label: string;
  weightsLabel: string;
  gpu: 'auto' | false;
  gpuLayers?: 'max' | undefined;
}

function tell(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * `gpuroute worker`: listens first (on an ephemeral port unless told otherwise) and
 * reports the port, then loads the weights and generates one token before it reports
 * ready, so "warmed" means the whole path has produced a token.
 */
export async function workerCommand(flags: WorkerFlags): Promise<number> {
  const logger = createJsonLogger('gpuroute-worker', { label: flags.label });
  const info: WorkerInfo = { state: 'loading', weights: flags.weightsLabel, label: flags.label };
  const app = await buildWorkerApp(info);
  const url = await app.listen({ host: flags.host, port: flags.port });
  const port = Number(new URL(url).port);
  tell({ type: 'listening', port });
  logger.info({ url, weights: flags.weightsLabel }, 'worker listening');
  logger.flush();

  // The parent's IPC channel closes when it dies: a worker never outlives its gateway.
  process.once('disconnect', () => process.exit(0));
  const stop = async () => {
    await app.close();
    await info.engine?.dispose();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  try {
    const engine = await LlamaEngine.load({ modelPath: flags.model, threads: flags.threads, contextTokens: flags.context, parallel: flags.parallel, gpu: flags.gpu, gpuLayers: flags.gpuLayers });
    const history = toChatHistory([{ role: 'user', content: 'hi' }]);
    const sampling = { maxTokens: 1, temperature: 0, topP: 1, seed: 0, stop: [], presencePenalty: 0, frequencyPenalty: 0 };
    await engine.chat({ history, output: { type: 'text' }, sampling }, engine.chatPrompt(history, { type: 'text' }));
    info.engine = engine;
    info.state = 'ready';
    tell({ type: 'ready', port, device: engine.device });
    logger.info({ device: engine.device }, 'worker ready');
    return 0;
  } catch (error) {
    info.state = 'failed';
    info.error = (error as Error).message;
    tell({ type: 'failed', error: info.error });
    logger.error({ err: error }, 'worker could not load its weights');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(1);
  }
}
