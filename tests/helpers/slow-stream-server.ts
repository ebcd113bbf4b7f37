/**
 * A tiny OpenAI-compatible upstream meant to run as its own process (see
 * slow-stream-upstream.ts), so that a test can SIGKILL it for real in the middle of a
 * stream. Streams one content chunk every CHUNK_MS (argv[2], default 100) for at most
 * MAX_CHUNKS (argv[3], default 300), then finishes normally; non-stream calls get a
 * plain completion. Prints one JSON line `{"url": "http://127.0.0.1:PORT/v1"}` once it
 * listens, then `{"request": N}` as each chat call arrives.
 *
 * Run: node --import tsx tests/helpers/slow-stream-server.ts [chunkMs] [maxChunks]
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNK_MS = Number(process.argv[2] ?? 100);
const MAX_CHUNKS = Number(process.argv[3] ?? 300);

function chunk(model: unknown, delta: Record<string, unknown>, finish: string | null): string {
  const body = { id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: null, choices: [{ index: 0, delta, finish_reason: finish }] };
  return `data: ${JSON.stringify(body)}\n\n`;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

let requests = 0;
const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
  const body = await readJson(req);
  process.stdout.write(`${JSON.stringify({ request: ++requests })}\n`);
  const model = body?.model;
  if (body?.stream !== true) {
    const completion = { id: 'chatcmpl-slow', object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: 'slow' }, finish_reason: 'stop' }] };
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk(model, { role: 'assistant', content: '' }, null));
  let sent = 0;
  const timer = setInterval(() => {
    if (++sent > MAX_CHUNKS) {
      clearInterval(timer);
      res.write(chunk(model, {}, 'stop'));
      return void res.end('data: [DONE]\n\n');
    }
    res.write(chunk(model, { content: `w${sent} ` }, null));
  }, CHUNK_MS);
  res.once('close', () => clearInterval(timer));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/v1` })}\n`);
});
// The test that started it may die without killing it: go when the parent does.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
