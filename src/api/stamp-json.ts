import { closingQuote } from '../http/json-depth.js';
import { CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../http/json-chars.js';

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the string that opens at `i`, or -1. */
function skipString(text: string, i: number): number {
  const close = closingQuote(text, i);
  return close === -1 ? -1 : close + 1;
}

/** Index just past the value that starts at `i`, or -1. Nested values are only counted, not parsed. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return skipString(text, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        j = skipString(text, j) - 1;
        if (j < 0) return -1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    j++;
  }
  return j > i ? j : -1;
}

/**
 * Replaces the top-level members named in `replaced` of a JSON object text with
 * `members` (pre-serialised `"key":value` pairs), without parsing the whole text: one
 * linear scan that tracks strings and nesting, so a `"model"` inside a message is never
 * touched. Returns undefined when the text is not a single JSON object.
 *
 * This is what keeps per-chunk JSON parsing off the streaming hot path (issue 4 §3).
 */
export function rewriteTopLevel(text: string, replaced: ReadonlySet<string>, members: string): string | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  const kept: string[] = [];
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) i++;
  else {
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const start = i;
      const keyEnd = skipString(text, i);
      if (keyEnd < 0) return undefined;
      const key = text.slice(start + 1, keyEnd - 1);
      i = skipSpace(text, keyEnd);
      if (text.charCodeAt(i) !== COLON) return undefined;
      const valueEnd = skipValue(text, skipSpace(text, i + 1));
      if (valueEnd < 0) return undefined;
      if (!replaced.has(key)) kept.push(text.slice(start, valueEnd));
      i = skipSpace(text, valueEnd);
      const c = text.charCodeAt(i);
      i = skipSpace(text, i + 1);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return undefined;
    }
  }
  if (skipSpace(text, i) !== text.length) return undefined;
  if (members) kept.push(members);
  return `{${kept.join(',')}}`;
}
