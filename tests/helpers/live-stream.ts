/**
 * A streaming chat call read as it arrives, so a test can act mid-stream (kill the
 * upstream after the second chunk) and time when the stream ends.
 */
export interface LiveStream {
  status: number;
  headers: Headers;
  /** Parsed `data:` payloads so far (`[DONE]` kept as a string, unparsable ones as raw text). */
  events: unknown[];
  /** Resolves once `count` events have arrived; rejects if the stream ends first or after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves with performance.now() when the body ended (or failed), and how it ended. */
  ended: Promise<{ at: number; error?: unknown }>;
}

function parse(data: string): unknown {
  if (data === '[DONE]') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

export async function openStream(url: string, body: unknown, headers: Record<string, string> = {}): Promise<LiveStream> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const events: unknown[] = [];
  const waiters = new Set<() => void>();
  let finished = false;
  const notify = () => waiters.forEach((w) => w());

  const ended = (async () => {
    const decoder = new TextDecoder();
    let carry = '';
    try {
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
        carry += decoder.decode(part, { stream: true });
        const end = carry.lastIndexOf('\n');
        if (end === -1) continue;
        for (const line of carry.slice(0, end).split('\n')) if (line.startsWith('data:')) events.push(parse(line.slice(5).trim()));
        carry = carry.slice(end + 1);
        notify();
      }
      if (carry.startsWith('data:')) events.push(parse(carry.slice(5).trim()));
      return { at: performance.now() };
    } catch (error) {
      return { at: performance.now(), error };
    } finally {
      finished = true;
      notify();
    }
  })();

  return {
    status: response.status,
    headers: response.headers,
    events,
    ended,
    waitForEvents(count, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`only ${events.length} of ${count} events within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (events.length >= count) done();
          else if (finished) done(new Error(`the stream ended after ${events.length} of ${count} events: ${JSON.stringify(events).slice(0, 500)}`));
        };
        const done = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
