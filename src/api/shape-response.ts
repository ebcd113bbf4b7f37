import { StringDecoder } from 'node:string_decoder';
import type { ErrorBody } from '../http/error-body.js';
import { rewriteTopLevel } from './stamp-json.js';

/** What every response of a routed call carries (issue 2 §6): the requested model id, and the GPU where the object has room. */
export interface Stamp {
  /** Top-level members, serialised once per call and spliced into every body and chunk; '' leaves chunks as they are. */
  members: string;
  /** The top-level keys `members` replaces. */
  keys: ReadonlySet<string>;
}

const FINGERPRINTED_KEYS: ReadonlySet<string> = new Set(['model', 'system_fingerprint']);
const MODEL_KEY: ReadonlySet<string> = new Set(['model']);

/** For objects with a `system_fingerprint` (chat completions, text completions, their chunks). */
export function createStamp(model: string, gpu: string): Stamp {
  return { keys: FINGERPRINTED_KEYS, members: `"model":${JSON.stringify(model)},"system_fingerprint":${JSON.stringify({ selected_gpu: gpu })}` };
}

/** For objects with a top-level `model` but no `system_fingerprint` (embeddings, a Responses object). */
export function modelStamp(model: string): Stamp {
  return { keys: MODEL_KEY, members: `"model":${JSON.stringify(model)}` };
}

/** Events whose top level holds no model (the Responses API's): they pass untouched. */
export const UNSTAMPED: Stamp = { keys: new Set(), members: '' };

/** The JSON object text with the stamp's members set; undefined if it is not one object. */
export function stampJson(text: string, stamp: Stamp): string | undefined {
  return rewriteTopLevel(text, stamp.keys, stamp.members);
}

function stampDataLine(line: string, stamp: Stamp): string {
  if (stamp.members === '') return line;
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
