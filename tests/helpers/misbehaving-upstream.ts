import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How a misbehaving upstream answers chat completions, beyond mock-upstream.ts's modes:
 * - `stall-after-first-chunk`: 200 text/event-stream and one chunk, then silence with the socket open;
 * - `headers-then-stall`: 200 with headers (JSON, or SSE for a stream) and no body, then silence;
 * - `headers-then-cut`: 200 with headers (JSON, or SSE for a stream), then the socket is destroyed;
 * - `silent`: reads the request and never answers (closed-port.ts's silentServer, but counting calls).
 */
export type Misbehaviour = 'stall-after-first-chunk' | 'headers-then-stall' | 'headers-then-cut' | 'silent';

export interface MisbehavingUpstream {
  /** OpenAI base URL, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Chat calls received (the request body was read in full before misbehaving). */
  requests: Array<{ stream: boolean; at: number }>;
  close(): Promise<void>;
}

async function isStream(req: IncomingMessage): Promise<boolean> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return (JSON.parse(Buffer.concat(parts).toString('utf8')) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/** A real HTTP server on 127.0.0.1 that misbehaves as told on every chat call. */
export async function startMisbehavingUpstream(behaviour: Misbehaviour): Promise<MisbehavingUpstream> {
  const requests: MisbehavingUpstream['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    const stream = await isStream(req);
    requests.push({ stream, at: performance.now() });
    if (behaviour === 'silent') return;
    const contentType = stream ? 'text/event-stream' : 'application/json';
    if (behaviour === 'stall-after-first-chunk') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'chatcmpl-stall', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'x', choices: [{ index: 0, delta: { role: 'assistant', content: 'first' }, finish_reason: null }] };
      return void res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    // A length that promises a body, so that the client waits for it.
    res.writeHead(200, stream ? { 'content-type': contentType } : { 'content-type': contentType, 'content-length': '512' });
    res.flushHeaders();
    if (behaviour === 'headers-then-cut') res.socket?.write('', () => res.socket?.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
