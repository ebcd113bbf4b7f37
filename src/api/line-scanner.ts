import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../http/json-chars.js';

const DATA = Buffer.from('data:');
/** Longer keys are kept as they are: none of the stamped keys is this long. */
const KEY_BYTES = 32;

/** One top-level member, `"key":value` (spaces around the colon kept), as byte offsets from the line's start. */
export interface MemberRange {
  key: string;
  start: number;
  end: number;
}

/**
 * Where the scan is: before `data:`'s end, before the `{`, before a key, before its colon,
 * before a value, inside a number or literal, inside an object or array value, after a
 * value, after the closing `}`.
 */
type Expect = 'prefix' | 'open' | 'key' | 'colon' | 'value' | 'scalar' | 'nested' | 'after' | 'end';

/**
 * Finds the top-level members of an event-stream line `data: {…}` that arrives as bytes
 * in pieces, scanning each byte once, as it comes: a long line is never decoded, copied or
 * rescanned, and no turn of the event loop holds more than one piece (issue 14 §6). Only
 * ASCII matters here (quotes, backslashes, brackets, commas), and no byte of a multi-byte
 * UTF-8 character is ASCII. String contents are skipped with Buffer#indexOf.
 *
 * `members()` is undefined when the line is not `data:` and one JSON object: it then
 * goes out untouched.
 */
export class LineScanner {
  #at = 0;
  #expect: Expect = 'prefix';
  #depth = 0;
  #inString = false;
  #escaped = false;
  #key: number[] | undefined;
  #memberStart = 0;
  #memberKey = '';
  #valueEnd = 0;
  #broken = false;
  readonly #members: MemberRange[] = [];

  feed(piece: Buffer): void {
    let i = this.#expect === 'prefix' ? this.#prefix(piece) : 0;
    let nextQuote = -1;
    let nextBackslash = -1;
    while (i < piece.length && !this.#broken) {
      if (!this.#inString) {
        this.#structure(piece[i]!, this.#at + i);
        i++;
      } else if (this.#escaped) {
        this.#escaped = false;
        i++;
      } else {
        // Cached: a string full of escapes must not search to the next quote after each one.
        if (nextQuote < i) nextQuote = piece.indexOf(QUOTE, i) >>> 0;
        if (nextBackslash < i) nextBackslash = piece.indexOf(BACKSLASH, i) >>> 0;
        const stop = Math.min(nextQuote, nextBackslash, piece.length);
        if (this.#key && this.#key.length < KEY_BYTES) this.#key.push(...piece.subarray(i, Math.min(stop, i + KEY_BYTES)));
        if (stop === nextBackslash) this.#escaped = true;
        else if (stop === nextQuote) this.#closeString(this.#at + stop + 1);
        i = stop + 1;
      }
    }
    this.#at += piece.length;
  }

  /** The members, once the whole line (without its newline) has been fed. */
  members(): MemberRange[] | undefined {
    return this.#broken || this.#expect !== 'end' ? undefined : this.#members;
  }

  #prefix(piece: Buffer): number {
    let i = 0;
    for (; i < piece.length && this.#at + i < DATA.length; i++) {
      if (piece[i] !== DATA[this.#at + i]) this.#broken = true;
    }
    if (this.#at + i === DATA.length) this.#expect = 'open';
    return i;
  }

  #closeString(end: number): void {
    this.#inString = false;
    if (this.#key) {
      this.#memberKey = String.fromCharCode(...this.#key.slice(0, KEY_BYTES));
      this.#key = undefined;
      this.#expect = 'colon';
    } else if (this.#expect === 'value') this.#valueEnded(end);
  }

  #structure(c: number, at: number): void {
    switch (this.#expect) {
      case 'nested':
        if (c === QUOTE) this.#inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.#depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --this.#depth === 1) this.#valueEnded(at + 1);
        return;
      case 'scalar':
        if (c === COMMA || c === CLOSE_BRACE) {
          this.#valueEnded(at);
          this.#endMember(c);
        } else if (isSpace(c)) this.#valueEnded(at);
        else if (c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || c === CLOSE_BRACKET || c === COLON) this.#broken = true;
        return;
    }
    if (isSpace(c)) return;
    switch (this.#expect) {
      case 'open':
        this.#broken = c !== OPEN_BRACE;
        this.#depth = 1;
        this.#expect = 'key';
        return;
      case 'key':
        if (c === QUOTE) {
          this.#inString = true;
          this.#key = [];
          this.#memberStart = at;
        } else if (c === CLOSE_BRACE && this.#members.length === 0) this.#close();
        else this.#broken = true;
        return;
      case 'colon':
        if (c === COLON) this.#expect = 'value';
        else this.#broken = true;
        return;
      case 'value':
        if (c === QUOTE) this.#inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          this.#depth++;
          this.#expect = 'nested';
        } else if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COLON) this.#broken = true;
        else this.#expect = 'scalar';
        return;
      case 'after':
        if (c === COMMA || c === CLOSE_BRACE) this.#endMember(c);
        else this.#broken = true;
        return;
      default:
        this.#broken = true;
    }
  }

  #valueEnded(end: number): void {
    this.#valueEnd = end;
    this.#expect = 'after';
  }

  #endMember(c: number): void {
    this.#members.push({ key: this.#memberKey, start: this.#memberStart, end: this.#valueEnd });
    if (c === COMMA) this.#expect = 'key';
    else this.#close();
  }

  #close(): void {
    this.#depth = 0;
    this.#expect = 'end';
  }
}
