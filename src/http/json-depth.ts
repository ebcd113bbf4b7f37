import { BACKSLASH, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-chars.js';

/** What matters to depth outside strings; the regex engine skips the rest faster than a character loop. */
const STRUCTURE = /["[\]{}]/g;

/**
 * Index of the quote that closes the string opening at `open`, or -1. Jumps from quote to
 * quote with indexOf (native) and counts the backslashes before each: string contents are
 * most of a body's bytes, and a character loop over them was most of the cost.
 */
export function closingQuote(text: string, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * Whether arrays and objects in a JSON text nest deeper than `max`, by one scan that
 * counts brackets outside strings. It parses nothing: it runs before JSON.parse, which
 * took 2.3 s on a body 4M levels deep (issue 14 §8). Text that is not JSON is left for
 * the parser to refuse. Measured on a shared 2-core machine: 8 MB of `[` refused in 7 ms
 * (JSON.parse: 7.5 s); 10 MB chat bodies 3-70 ms, about what JSON.parse takes, and up to
 * 2x that (250 ms) for text made mostly of escaped quotes.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
    const c = text.charCodeAt(match.index);
    if (c === QUOTE) {
      const close = closingQuote(text, match.index);
      if (close === -1) return false;
      STRUCTURE.lastIndex = close + 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else depth--;
  }
  return false;
}
