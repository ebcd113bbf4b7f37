import type { ErrorBody } from '../http/error-body.js';
import { tooLarge } from '../upstream/upstream-failure.js';
import { LineScanner } from './line-scanner.js';
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

export interface StreamHooks {
  describeFailure: (error: unknown) => ErrorBody;
  onFirstChunk: () => void;
  /** The longest line (one event's `data:`) held while it is incomplete: `limits.max_event_bytes`. */
  maxEventBytes: number;
}

const NEWLINE = 0x0a;

function stampLines(text: string, stamp: Stamp): string {
  return text
    .split('\n')
    .map((line) => (line.startsWith('data:') ? stampDataLine(line, stamp) : line))
    .join('\n');
}

/**
 * Re-emits an upstream SSE stream with every JSON chunk stamped, as soon as each line
 * is complete, so nothing is held back. Only the new bytes of each chunk are searched for
 * a line end, and an incomplete line is kept as the chunks that hold it, so a long line
 * costs linear time (issue 14 §6: rescanning it on every chunk took 27 s for 20 MB). A
 * newline byte never occurs inside a UTF-8 sequence, so lines are cut as bytes. Short
 * lines are decoded and stamped as text; a line that grows past `longLine` bytes is
 * scanned as its pieces arrive and goes out as those same pieces (LineScanner), so no
 * turn of the event loop decodes, copies or encodes it whole. A line over
 * `maxEventBytes`, or an upstream failure, ends the stream with one terminal
 * `data: {"error": …}` event.
 */
export async function* stampEventStream(source: AsyncIterable<Buffer>, stamp: Stamp, hooks: StreamHooks): AsyncGenerator<string | Buffer> {
  const max = hooks.maxEventBytes;
  const longLine = Math.min(LONG_LINE_BYTES, Math.ceil(max / 8));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let scanner: LineScanner | undefined;
  const hold = (piece: Buffer) => {
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes > max) throw tooLarge(eventLimit(max));
    if (scanner) scanner.feed(piece);
    else if (pendingBytes > longLine) {
      scanner = new LineScanner();
      for (const held of pending) scanner.feed(held);
    }
  };
  /** A line was cut off, so the error event must start a new one. */
  let cutOff = false;
  try {
    let first = true;
    for await (const chunk of source) {
      if (first) {
        first = false;
        hooks.onFirstChunk();
      }
      let from = 0;
      if (scanner) {
        const newline = chunk.indexOf(NEWLINE);
        hold(newline === -1 ? chunk : chunk.subarray(0, newline));
        if (newline === -1) continue;
        yield* stampedPieces(pending, scanner, stamp);
        yield '\n';
        [pending, pendingBytes, scanner, from] = [[], 0, undefined, newline + 1];
      }
      const end = chunk.lastIndexOf(NEWLINE);
      if (end < from) {
        hold(chunk.subarray(from));
        continue;
      }
      pending.push(chunk.subarray(from, end));
      const complete = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      [pending, pendingBytes] = [[], 0];
      // Lines inside one chunk are bounded by the chunk; only a large chunk needs looking into.
      const overlong = complete.length > max ? lineLongerThan(complete, max) : -1;
      if (overlong !== -1) {
        cutOff = true;
        if (overlong > 0) yield stampLines(complete.subarray(0, overlong - 1).toString('utf8'), stamp) + '\n';
        throw tooLarge(eventLimit(max));
      }
      yield stampLines(complete.toString('utf8'), stamp) + '\n';
      if (end + 1 < chunk.length) hold(chunk.subarray(end + 1));
    }
    if (scanner) {
      yield* stampedPieces(pending, scanner, stamp);
      yield '\n\n';
    } else if (pendingBytes) yield stampLines(Buffer.concat(pending).toString('utf8'), stamp) + '\n\n';
  } catch (error) {
    yield `${pendingBytes || cutOff ? '\n\n' : ''}data: ${JSON.stringify(hooks.describeFailure(error))}\n\n`;
  }
}

/**
 * Past this many bytes (or an eighth of limits.max_event_bytes) a line is scanned as it
 * arrives: decoding 256 KB of accented text takes about 1 ms on a 2-core machine, 7 MB 30.
 */
const LONG_LINE_BYTES = 256 * 1024;

/** A long line, stamped: the bytes of its kept members, as they came, around the stamp's. */
function* stampedPieces(chunks: readonly Buffer[], scanner: LineScanner, stamp: Stamp): Generator<string | Buffer> {
  const members = stamp.members === '' ? undefined : scanner.members();
  if (!members) {
    yield* chunks;
    return;
  }
  yield 'data: {';
  let kept = 0;
  for (const member of members) {
    if (stamp.keys.has(member.key)) continue;
    if (kept++) yield ',';
    yield* byteRange(chunks, member.start, member.end);
  }
  yield `${kept ? ',' : ''}${stamp.members}}`;
}

/** The bytes from `start` to `end` of the chunks laid end to end, without copying them. */
function* byteRange(chunks: readonly Buffer[], start: number, end: number): Generator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const next = offset + chunk.length;
    if (next > start && offset < end) yield chunk.subarray(Math.max(0, start - offset), Math.min(chunk.length, end - offset));
    if (next >= end) return;
    offset = next;
  }
}

function eventLimit(max: number): string {
  return `an event grew past limits.max_event_bytes (${max} bytes)`;
}

/** Where the first line longer than `max` bytes starts, or -1. */
function lineLongerThan(bytes: Buffer, max: number): number {
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    if (end - start > max) return start;
    start = end + 1;
  }
  return -1;
}
