// A fast OpenAI-compatible upstream for benchmarks, run in its own process:
// `node --import tsx bench/mock-upstream-server.ts` prints {"url": ...} once listening.
// It answers a fixed small completion, or 8 SSE chunks for stream: true. A body field
// `bench_chunk_gap_ms` spaces the chunks out, to hold streams open.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench',
  system_fingerprint: null,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
});
const CHUNKS = ['Hello', '!', ' How', ' can', ' I', ' help', ' you', '?'].map(
  (content, i) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench', system_fingerprint: null, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: i === 7 ? 'stop' : null }] })}\n\n`,
);

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const text = Buffer.concat(parts).toString('utf8');
    // Cheap checks: this process must never be the bottleneck.
    if (!text.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION) });
      res.end(COMPLETION);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const gap = Number(/"bench_chunk_gap_ms":(\d+)/.exec(text)?.[1] ?? 0);
    if (gap === 0) {
      res.end(CHUNKS.join('') + 'data: [DONE]\n\n');
      return;
    }
    let i = 0;
    const timer = setInterval(() => {
      if (i < CHUNKS.length) res.write(CHUNKS[i++]);
      else {
        clearInterval(timer);
        res.end('data: [DONE]\n\n');
      }
    }, gap);
    res.on('close', () => clearInterval(timer));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
