import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
  /** The body text exactly as received. */
  raw: string;
}

/** How the mock answers chat completions; tests switch it to provoke failures. */
export type MockMode = 'ok' | 'status-500' | 'status-400' | 'status-401' | 'garbage' | 'die-mid-stream' | 'hold';

export interface MockUpstream {
  /** OpenAI base URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  label: string;
  requests: RecordedRequest[];
  mode: MockMode;
  /** What GET /health (at the origin, as vLLM serves it) answers. */
  healthStatus: number;
  /** Answers every call held in 'hold' mode. */
  release(): void;
  close(): Promise<void>;
}

/** The reply content names the mock, so a test sees which pool a call reached. */
export function servedBy(label: string): string {
  return `served-by:${label}`;
}

function completion(label: string, model: unknown) {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_upstream',
    choices: [{ index: 0, message: { role: 'assistant', content: servedBy(label) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
}

function chunk(model: unknown, delta: Record<string, unknown>, finish: string | null) {
  return { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: null, choices: [{ index: 0, delta, finish_reason: finish }] };
}

async function readBody(req: IncomingMessage): Promise<{ raw: string; body: Record<string, unknown> | undefined }> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const raw = Buffer.concat(parts).toString('utf8');
  try {
    return { raw, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined };
  } catch {
    return { raw, body: undefined };
  }
}

function answerChat(mock: MockUpstream, body: Record<string, unknown> | undefined, res: ServerResponse, held: Array<() => void>, released = false) {
  const model = body?.model;
  // A held call is answered normally (streamed or not) once released.
  if (mock.mode === 'hold' && !released) return void held.push(() => answerChat(mock, body, res, held, true));
  if (mock.mode === 'status-500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('engine exploded');
  if (mock.mode === 'status-400') {
    return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'context too long', type: 'BadRequestError', code: 400 } }));
  }
  if (mock.mode === 'status-401') return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"bad token"}}');
  if (mock.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
  if (body?.stream !== true) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion(mock.label, model)));

  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const words = ['served-by:', mock.label];
  res.write(`data: ${JSON.stringify(chunk(model, { role: 'assistant', content: '' }, null))}\n\n`);
  for (const word of words) res.write(`data: ${JSON.stringify(chunk(model, { content: word }, null))}\n\n`);
  // Dies only once what it wrote has left, so the gateway sees a stream cut mid-way.
  if (mock.mode === 'die-mid-stream') return void res.write('', () => res.socket?.destroy());
  res.write(`data: ${JSON.stringify(chunk(model, {}, 'stop'))}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** A real OpenAI-compatible HTTP server on 127.0.0.1 that records what it was sent. */
export async function startMockUpstream(label: string): Promise<MockUpstream> {
  const held: Array<() => void> = [];
  const server = createServer(async (req, res) => {
    const { raw, body } = await readBody(req);
    mock.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, raw });
    if (req.method === 'POST' && req.url === '/v1/chat/completions') return answerChat(mock, body, res, held);
    if (req.method === 'GET' && req.url === '/health') return void res.writeHead(mock.healthStatus, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const mock: MockUpstream = {
    url: `http://127.0.0.1:${port}/v1`,
    label,
    requests: [],
    mode: 'ok',
    healthStatus: 200,
    release: () => held.splice(0).forEach((answer) => answer()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return mock;
}
