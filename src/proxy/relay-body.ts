import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ErrorBody } from '../http/error-body.js';

/**
 * What must come before an appended event so that it stands alone: the stream may have
 * stopped in the middle of a line or of an event. Only the last bytes written are looked
 * at; the proxy never parses the events it relays.
 */
function separatorAfter(tail: string): string {
  if (tail === '' || tail.endsWith('\n\n')) return '';
  return tail.endsWith('\n') ? '\n' : '\n\n';
}

export interface RelayOptions {
  /** The target answered `text/event-stream`: a failure becomes a last `data:` event. */
  eventStream: boolean;
  /** Aborted when the client goes away, so a wait for `drain` cannot hang. */
  signal: AbortSignal;
  describeFailure(error: unknown): ErrorBody;
}

/**
 * Copies the target's body to the client chunk by chunk, as each arrives: no
 * buffering, and backpressure from a slow client reaches the target through TCP.
 * If the target fails part-way, an event stream (already 200) ends with one terminal
 * `data: {"detail": …, "error": {…}}` event, as the gateway ends its own streams
 * (src/api/shape-response.ts); any other body cannot be amended, so the connection is
 * cut and the client sees a truncated response rather than a silently short one.
 */
export async function relayBody(body: Readable, response: ServerResponse, options: RelayOptions): Promise<void> {
  let tail = '';
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (options.eventStream) tail = (tail + chunk.subarray(-2).toString('latin1')).slice(-2);
      if (!response.write(chunk)) await once(response, 'drain', { signal: options.signal });
    }
    response.end();
  } catch (error) {
    if (options.signal.aborted || response.destroyed) return;
    if (options.eventStream) response.end(`${separatorAfter(tail)}data: ${JSON.stringify(options.describeFailure(error))}\n\n`);
    else response.destroy();
    throw error;
  }
}
