import OpenAI from 'openai';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';
import { eventually, modelsDirWithTestModel } from '../helpers/test-model.js';

export interface WorkerUnderTest {
  worker: ServingProcess;
  client: OpenAI;
  post: (path: string, body: unknown) => Promise<{ status: number; body: any }>;
}

/** `gpuroute worker` on the generated model, ready, with an openai client pointed at it. */
export async function startWorker(extraArgs: string[] = []): Promise<WorkerUnderTest> {
  const model = testModelPath(await modelsDirWithTestModel());
  const worker = await startServing(process.execPath, [BIN, 'worker', '--model', model, '--port', '0', '--cpu', '--label', 'tiny', '--weights-label', 'test-model', ...extraArgs], {}, 60_000, 'worker listening');
  await eventually(async () => ((await (await fetch(`${worker.url}/health`)).json()) as { status: string }).status === 'ready', 'the worker is ready');
  const client = new OpenAI({ apiKey: 'unused', baseURL: `${worker.url}/v1`, maxRetries: 0 });
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${worker.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  };
  return { worker, client, post };
}
