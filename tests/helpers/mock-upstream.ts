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

/** How the mock answers (chat, text completions, embeddings, responses); tests switch it to provoke failures. */
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

const data = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

/** The float vector the mock embeds every input as; base64 is its little-endian float32 bytes, as OpenAI sends it. */
export const MOCK_EMBEDDING = [0.5, -1, 2];

function embeddings(body: Record<string, unknown>) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const vector = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(MOCK_EMBEDDING).buffer).toString('base64') : MOCK_EMBEDDING;
  return { object: 'list', data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: vector })), model: body.model, usage: { prompt_tokens: 2, total_tokens: 2 } };
}

function responseObject(model: unknown, status: string, text: string) {
  const content = text ? [{ type: 'output_text', text, annotations: [] }] : [];
  return {
    id: 'resp_mock',
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model,
    output: [{ type: 'message', id: 'msg_mock', status, role: 'assistant', content }],
    metadata: {},
    usage: status === 'completed' ? { input_tokens: 3, output_tokens: 2, total_tokens: 5 } : null,
  };
}

function responseEvent(type: string, fields: Record<string, unknown>, sequence: number): string {
  return `event: ${type}\n${data({ type, sequence_number: sequence, ...fields })}`;
}

/** Each route the mock serves: its JSON answer, and its stream as SSE text. */
const ROUTES: Record<string, { json(label: string, body: Record<string, unknown>): unknown; events(label: string, body: Record<string, unknown>): string[] }> = {
  '/v1/chat/completions': {
    json: (label, body) => completion(label, body.model),
    events: (label, body) => [
      data(chunk(body.model, { role: 'assistant', content: '' }, null)),
      ...['served-by:', label].map((word) => data(chunk(body.model, { content: word }, null))),
      data(chunk(body.model, {}, 'stop')),
      'data: [DONE]\n\n',
    ],
  },
  '/v1/completions': {
    json: (label, body) => ({
      id: 'cmpl-mock',
      object: 'text_completion',
      created: 1_700_000_000,
      model: body.model,
      system_fingerprint: 'fp_upstream',
      choices: [{ index: 0, text: servedBy(label), logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    }),
    events: (label, body) => [
      ...['served-by:', label].map((text) => data({ id: 'cmpl-mock', object: 'text_completion', created: 1_700_000_000, model: body.model, system_fingerprint: null, choices: [{ index: 0, text, logprobs: null, finish_reason: null }] })),
      data({ id: 'cmpl-mock', object: 'text_completion', created: 1_700_000_000, model: body.model, system_fingerprint: null, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] }),
      'data: [DONE]\n\n',
    ],
  },
  '/v1/embeddings': { json: (_label, body) => embeddings(body), events: () => [] },
  '/v1/responses': {
    json: (label, body) => responseObject(body.model, 'completed', servedBy(label)),
    events: (label, body) => {
      const text = servedBy(label);
      return [
        responseEvent('response.created', { response: responseObject(body.model, 'in_progress', '') }, 0),
        ...['served-by:', label].map((delta, i) => responseEvent('response.output_text.delta', { item_id: 'msg_mock', output_index: 0, content_index: 0, delta }, i + 1)),
        responseEvent('response.output_text.done', { item_id: 'msg_mock', output_index: 0, content_index: 0, text }, 3),
        responseEvent('response.completed', { response: responseObject(body.model, 'completed', text) }, 4),
      ];
    },
  },
};

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

function answer(mock: MockUpstream, route: (typeof ROUTES)[string], body: Record<string, unknown> | undefined, res: ServerResponse, held: Array<() => void>, released = false) {
  // A held call is answered normally (streamed or not) once released.
  if (mock.mode === 'hold' && !released) return void held.push(() => answer(mock, route, body, res, held, true));
  if (mock.mode === 'status-500') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('engine exploded');
  if (mock.mode === 'status-400') {
    return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'context too long', type: 'BadRequestError', code: 400 } }));
  }
  if (mock.mode === 'status-401') return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"bad token"}}');
  if (mock.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
  if (body?.stream !== true) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route.json(mock.label, body ?? {})));

  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const events = route.events(mock.label, body);
  for (const event of events.slice(0, -2)) res.write(event);
  // Dies only once what it wrote has left, so the gateway sees a stream cut mid-way.
  if (mock.mode === 'die-mid-stream') return void res.write('', () => res.socket?.destroy());
  for (const event of events.slice(-2, -1)) res.write(event);
  res.end(events.at(-1));
}

/** A real OpenAI-compatible HTTP server on 127.0.0.1 that records what it was sent. */
export async function startMockUpstream(label: string): Promise<MockUpstream> {
  const held: Array<() => void> = [];
  const server = createServer(async (req, res) => {
    const { raw, body } = await readBody(req);
    mock.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, raw });
    const route = req.method === 'POST' ? ROUTES[req.url ?? ''] : undefined;
    if (route) return answer(mock, route, body, res, held);
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
