import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import { configSchema, type Config } from '../config/config-schema.js';
import { createGateway } from '../gateway.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const CONNECTIONS = 8;
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-warm',
  object: 'chat.completion',
  created: 0,
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
});
const EVENTS =
  ['Hel', 'lo.']
    .map((content, i) => `data: ${JSON.stringify({ id: 'chatcmpl-warm', object: 'chat.completion.chunk', created: 0, model: MODEL, choices: [{ index: 0, delta: { content }, finish_reason: i ? 'stop' : null }] })}\n\n`)
    .join('') + 'data: [DONE]\n\n';

/** An OpenAI-compatible upstream in this process that only the warm-up calls. */
async function startStandIn(): Promise<Server> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const streamed = Buffer.concat(parts).includes('"stream":true');
      res.writeHead(200, { 'content-type': streamed ? 'text/event-stream' : 'application/json' });
      res.end(streamed ? EVENTS : COMPLETION);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Sends the calls; resolves with how many were answered 200. */
async function sendCalls(config: Readonly<Config>, origin: string, calls: number): Promise<number> {
  const throwaway = configSchema.parse({
    auth: { api_keys: config.auth.api_keys.slice(0, 1) },
    limits: config.limits,
    gpus: { devices: 'none' },
    pools: [{ gpu: '*', models: ['*'], endpoints: [`${origin}/v1`] }],
  });
  const gateway = await createGateway(throwaway, false, {});
  try {
    const address = await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new Pool(address, { connections: CONNECTIONS });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = throwaway.auth.api_keys[0];
    if (key) headers.authorization = `Bearer ${key}`;
    let answered = 0;
    const call = async (i: number): Promise<void> => {
      const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: i % 4 === 3 });
      const response = await client.request({ path: '/v1/chat/completions', method: 'POST', headers, body });
      await response.body.dump();
      if (response.statusCode === 200) answered++;
    };
    for (let sent = 0; sent < calls; sent += CONNECTIONS) {
      await Promise.all(Array.from({ length: Math.min(CONNECTIONS, calls - sent) }, (_, i) => call(sent + i)));
    }
    await client.close();
    return answered;
  } finally {
    await gateway.close();
  }
}

/**
 * Before the gateway listens, sends `startup.warm_calls` chat completions, plain and
 * streamed, through a throwaway copy of it built from this config's limits and first key,
 * on loopback, against a stand-in upstream in this process. V8 optimises code per
 * function, not per instance, so the real gateway starts with its request path compiled:
 * without this, its first second under load runs in the interpreter and calls queue
 * (docs/benchmarks.md, "A fresh gateway"). No pool, worker, Redis key, metric or request
 * log of the real gateway is touched; a failure here is logged and start-up goes on.
 */
export async function warmHotPath(config: Readonly<Config>, logger: Logger): Promise<void> {
  const calls = config.startup.warm_calls;
  if (calls === 0) return;
  const started = performance.now();
  let standIn: Server | undefined;
  try {
    standIn = await startStandIn();
    const answered = await sendCalls(config, `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`, calls);
    logger.info({ calls, answered, ms: Math.round(performance.now() - started) }, 'request path warmed (startup.warm_calls)');
  } catch (error) {
    logger.warn({ err: error }, 'could not warm the request path; serving anyway, the first second under load will be slower');
  } finally {
    await new Promise((resolve) => (standIn ? standIn.close(resolve) : resolve(undefined)));
  }
}
