import { StringDecoder } from 'node:string_decoder';
import type { ErrorBody } from '../http/error-body.js';
import { rewriteTopLevel } from './stamp-json.js';

/** What every response of a routed call carries (issue 2 §6). */
export interface Stamp {
  /** The model id exactly as the client asked for it. */
  model: string;
  /** Canonical GPU spec. */
  gpu: string;
  /** The two members, serialised once per call and spliced into every body and chunk. */
  members: string;
}

const STAMPED_KEYS: ReadonlySet<string> = new Set(['model', 'system_fingerprint']);

export function createStamp(model: string, gpu: string): Stamp {
  return { model, gpu, members: `"model":${JSON.stringify(model)},"system_fingerprint":${JSON.stringify({ selected_gpu: gpu })}` };
}

/** The JSON object text with `model` and `system_fingerprint` set; undefined if it is not one object. */
export function stampJson(text: string, stamp: Stamp): string | undefined {
  return rewriteTopLevel(text, STAMPED_KEYS, stamp.members);
}

function stampDataLine(line: string, stamp: Stamp): string {
  const payload = line.slice(5).trimStart();
  if (payload.charCodeAt(0) !== 0x7b) return line;
  const stamped = stampJson(payload, stamp);
  return stamped === undefined ? line : `data: ${stamped}`;
}

/**
 * Re-emits an upstream SSE stream with every JSON chunk stamped, as soon as each line
 * is complete, so nothing is held back. If the upstream fails mid-stream, the client
 * gets one terminal `data: {"error": …}` event and the stream ends.
 */
export interface StreamHooks {
  describeFailure: (error: unknown) => ErrorBody;
  onFirstChunk: () => void;
}

export async function* stampEventStream(source: AsyncIterable<Buffer>, stamp: Stamp, hooks: StreamHooks): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  try {
    let first = true;
    for await (const chunk of source) {
      if (first) {
        first = false;
        hooks.onFirstChunk();
      }
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
    yield `${carry ? '\n\n' : ''}data: ${JSON.stringify(hooks.describeFailure(error))}\n\n`;
  }
}
