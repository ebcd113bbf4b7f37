/**
 * Server-sent events, as the gateway streams chat completions: events end at a blank
 * line, and an event's `data:` lines joined with "\n" are its payload. Comments and other
 * fields are skipped. Text arrives in arbitrary pieces; `push` returns the payloads of the
 * events it completed.
 */
export class SseDecoder {
  #buffer = '';

  push(text: string): string[] {
    this.#buffer += text;
    const payloads: string[] = [];
    for (;;) {
      const end = /\r\n\r\n|\n\n|\r\r/.exec(this.#buffer);
      if (!end) break;
      const event = this.#buffer.slice(0, end.index);
      this.#buffer = this.#buffer.slice(end.index + end[0].length);
      const data = dataOf(event);
      if (data !== null) payloads.push(data);
    }
    return payloads;
  }

  /** The last event, when the stream ended without a blank line after it. */
  end(): string[] {
    const data = dataOf(this.#buffer);
    this.#buffer = '';
    return data === null ? [] : [data];
  }
}

function dataOf(event: string): string | null {
  const lines = event
    .split(/\r\n|\n|\r/)
    .filter((line) => line === 'data' || line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''));
  return lines.length ? lines.join('\n') : null;
}
