import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Pool } from 'undici';

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

/**
 * The copy's logger: it writes every line a real one would, so that the logging path is
 * compiled too (a silent logger left the edge proxy's first-second p99 at 35-220 ms
 * instead of 22-73), and drops them.
 */
export function discardingLogger(): Logger {
  return pino(new Writable({ write: (_line, _encoding, done) => done() }));
}

/** A server started only to be warmed: where it listens, and how to close it. */
export interface Throwaway {
  url: string;
  close(): Promise<void>;
}

/** What to warm: a throwaway copy of the server, pointed at the stand-in, and how to call it. */
export interface WarmTarget {
  start(standIn: string): Promise<Throwaway>;
  /** The chat completions path on the copy, e.g. /v1/chat/completions. */
  path: string;
  /** The API key the copy wants, if any. */
  key?: string | undefined;
}

/** Sends the calls; resolves with how many were answered 200. */
async function sendCalls(target: WarmTarget, standIn: string, calls: number): Promise<number> {
  const throwaway = await target.start(standIn);
  const client = new Pool(throwaway.url, { connections: CONNECTIONS });
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.key) headers.authorization = `Bearer ${target.key}`;
    let answered = 0;
    const call = async (i: number): Promise<void> => {
      const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: i % 4 === 3 });
      const response = await client.request({ path: target.path, method: 'POST', headers, body });
      await response.body.dump();
      if (response.statusCode === 200) answered++;
    };
    for (let sent = 0; sent < calls; sent += CONNECTIONS) {
      await Promise.all(Array.from({ length: Math.min(CONNECTIONS, calls - sent) }, (_, i) => call(sent + i)));
    }
    return answered;
  } finally {
    await client.close();
    await throwaway.close();
  }
}

/**
 * Before a server listens, sends `calls` chat completions, plain and streamed, through a
 * throwaway copy of it, on loopback, against a stand-in upstream in this process. V8
 * optimises code per function, not per instance, so the real server starts with its
 * request path compiled: without this, its first second under load runs in the
 * interpreter and calls queue (docs/benchmarks.md, "A fresh gateway"). Nothing of the
 * real server is touched; a failure here is logged and start-up goes on.
 */
export async function warmHotPath(target: WarmTarget, calls: number, logger: Logger): Promise<void> {
  if (calls === 0) return;
  const started = performance.now();
  let standIn: Server | undefined;
  try {
    standIn = await startStandIn();
    const answered = await sendCalls(target, `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`, calls);
    logger.info({ calls, answered, ms: Math.round(performance.now() - started) }, 'request path warmed');
  } catch (error) {
    logger.warn({ err: error }, 'could not warm the request path; serving anyway, the first second under load will be slower');
  } finally {
    await new Promise((resolve) => (standIn ? standIn.close(resolve) : resolve(undefined)));
  }
}
