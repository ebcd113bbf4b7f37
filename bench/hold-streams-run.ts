// Holds many streamed completions open at once, in its own process. Prints {"held": N}
// once every stream has its first byte (the caller then samples the gateway's memory),
// and a summary when all have ended. argv[2]: JSON {url, headers, body, streams}.
import { Agent, request } from 'undici';

interface Options {
  url: string;
  headers: Record<string, string>;
  body: string;
  streams: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const agent = new Agent({ connections: options.streams, headersTimeout: 120_000, bodyTimeout: 120_000 });
let held = 0;
let completed = 0;
let failed = 0;
const started = performance.now();

/** Tells the caller once every stream is either open or has failed. */
function reportWhenSettled(): void {
  if (held + failed === options.streams) process.stdout.write(`${JSON.stringify({ held, failed, ms: performance.now() - started })}\n`);
}

await Promise.all(
  Array.from({ length: options.streams }, async () => {
    try {
      const response = await request(options.url, { method: 'POST', headers: options.headers, body: options.body, dispatcher: agent });
      if (response.statusCode !== 200) {
        await response.body.dump();
        failed++;
        reportWhenSettled();
        return;
      }
      let first = true;
      let text = '';
      for await (const chunk of response.body) {
        if (first) {
          held++;
          reportWhenSettled();
        }
        first = false;
        text += chunk;
      }
      if (text.includes('[DONE]')) completed++;
      else failed++;
    } catch {
      failed++;
      reportWhenSettled();
    }
  }),
);
await agent.close();
process.stdout.write(`${JSON.stringify({ done: true, held, completed, failed, ms: performance.now() - started })}\n`);
