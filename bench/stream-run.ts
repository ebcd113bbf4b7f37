// Streaming timings in their own process: time to the first body byte and to the last,
// over sequential streamed chat completions. argv[2]: JSON {url, headers, body, count}.
import { Pool } from 'undici';
import { summarize } from './percentiles.js';

interface Options {
  url: string;
  headers: Record<string, string>;
  body: string;
  count: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const target = new URL(options.url);
const pool = new Pool(target.origin, { connections: 1 });
const firstByte: number[] = [];
const lastByte: number[] = [];
let failures = 0;

for (let i = 0; i < options.count + 20; i++) {
  const start = process.hrtime.bigint();
  let first = 0;
  const response = await pool.request({ path: target.pathname, method: 'POST', headers: options.headers, body: options.body });
  let text = '';
  for await (const chunk of response.body) {
    if (!first) first = Number(process.hrtime.bigint() - start) / 1e6;
    text += chunk;
  }
  const last = Number(process.hrtime.bigint() - start) / 1e6;
  if (response.statusCode !== 200 || !text.includes('[DONE]')) failures++;
  // The first 20 warm the connection and the JIT.
  else if (i >= 20) {
    firstByte.push(first);
    lastByte.push(last);
  }
}
await pool.close();
process.stdout.write(`${JSON.stringify({ firstByte: summarize(firstByte), lastByte: summarize(lastByte), failures })}\n`);
