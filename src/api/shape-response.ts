import { StringDecoder } from 'node:string_decoder';
import type { ErrorBody } from '../http/error-body.js';

/** What every response of a routed call carries (issue 2 §6). */
export interface Stamp {
  /** The model id exactly as the client asked for it. */
  model: string;
  /** Canonical GPU spec. */
  gpu: string;
}

export function stampCompletion(completion: Record<string, unknown>, stamp: Stamp): Record<string, unknown> {
  completion.model = stamp.model;
  completion.system_fingerprint = { selected_gpu: stamp.gpu };
  return completion;
}

function stampDataLine(line: string, stamp: Stamp): string {
  const payload = line.slice(5).trim();
  if (!payload.startsWith('{')) return line;
  try {
    const chunk = JSON.parse(payload) as unknown;
    if (!chunk || typeof chunk !== 'object' || Array.isArray(chunk)) return line;
    return `data: ${JSON.stringify(stampCompletion(chunk as Record<string, unknown>, stamp))}`;
  } catch {
    return line;
  }
}

/**
 * Re-emits an upstream SSE stream with every JSON chunk stamped, as soon as each line
 * is complete, so nothing is held back. If the upstream fails mid-stream, the client
 * gets one terminal `data: {"error": …}` event and the stream ends.
 */
export async function* stampEventStream(
  source: AsyncIterable<Buffer>,
  stamp: Stamp,
  describeFailure: (error: unknown) => ErrorBody,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    for await (const chunk of source) {
      const text = carry + decoder.write(chunk);
      const end = text.lastIndexOf('\n');
      if (end === -1) {
        carry = text;
        continue;
      }
      carry = text.slice(end + 1);
      const lines = text.slice(0, end).split('\n');
      yield lines.map((line) => (line.startsWith('data:') ? stampDataLine(line, stamp) : line)).join('\n') + '\n';
    }
    const rest = carry + decoder.end();
    if (rest) yield (rest.startsWith('data:') ? stampDataLine(rest, stamp) : rest) + '\n\n';
  } catch (error) {
    yield `${carry ? '\n\n' : ''}data: ${JSON.stringify(describeFailure(error))}\n\n`;
  }
}
