import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { tooLarge } from './upstream-failure.js';
import { onAbort, type AnySignal } from './upstream-signal.js';

/** Chunks held before the upstream is paused: an SSE relay reads as fast as its client does. */
const HIGH_WATER_CHUNKS = 16;

/**
 * What one upstream answer may hold in the gateway's memory (issue 14 §6, §7): a 300 MB
 * JSON body once took the gateway to 1.9 GB RSS.
 */
export interface AnswerLimits {
  /** `limits.max_upstream_body_bytes`: a body read whole (JSON, an error). */
  bodyBytes: number;
  /** `limits.max_event_bytes`: one line of an event stream. */
  eventBytes: number;
}

/**
 * The body of one upstream answer, fed by undici's dispatch handler. A JSON answer is
 * read whole with `text()`; a stream is read chunk by chunk with `for await`, and the
 * upstream socket is paused while the reader falls behind. Either way, no stream object
 * is built per call: undici's `request()` builds a Readable for every answer, and that
 * was a tenth of the gateway's work per proxied call (issue 4).
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #ended = false;
  /** Set by text(): everything is wanted, so the upstream is never paused. */
  #whole = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #controller: Dispatcher.DispatchController;
  readonly #onSettled: () => void;
  readonly #maxBytes: number;
  readonly #declaredBytes: number;

  /**
   * Made and fed by the dispatch handler below; `controller` pauses and resumes the
   * upstream. `maxBytes` bounds what text() holds; text() refuses a declared
   * `content-length` over it before reading any more of the body.
   */
  constructor(controller: Dispatcher.DispatchController, onSettled: () => void, size: { maxBytes: number; declaredBytes: number }) {
    this.#controller = controller;
    this.#onSettled = onSettled;
    this.#maxBytes = size.maxBytes;
    this.#declaredBytes = size.declaredBytes;
  }

  /** @internal */
  push(chunk: Buffer): void {
    if (this.#ended) return;
    this.#bytes += chunk.length;
    if (this.#whole && this.#bytes > this.#maxBytes) return this.#refuse();
    this.#chunks.push(chunk);
    if (!this.#whole && this.#chunks.length >= HIGH_WATER_CHUNKS) this.#controller.pause();
    this.#notify();
  }

  /** Drops what was read and aborts the upstream call, so that the rest is never buffered. */
  #refuse(): void {
    this.#chunks = [];
    const error = tooLarge(`a body over limits.max_upstream_body_bytes (${this.#maxBytes} bytes)`);
    this.end(error);
    this.#controller.abort(error);
  }

  /** @internal */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#onSettled();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits, letting the upstream send, until `ready` holds. */
  async #until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      this.#controller.resume();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The whole body as UTF-8 text; rejects with the upstream's error if it broke off. */
  async text(): Promise<string> {
    this.#whole = true;
    if (!this.#ended && Math.max(this.#bytes, this.#declaredBytes) > this.#maxBytes) this.#refuse();
    await this.#until(() => this.#ended);
    if (this.#error) throw this.#error;
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }

  /** Reads and drops the rest of the body. */
  async dump(): Promise<void> {
    await this.text().catch(() => undefined);
  }

  /** Chunk by chunk. A reader that stops early (break, or an error) closes the upstream call. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        await this.#until(() => this.#chunks.length > 0 || this.#ended);
        const chunk = this.#chunks.shift();
        if (chunk) {
          yield chunk;
          continue;
        }
        if (this.#error) throw this.#error;
        if (this.#ended) return;
      }
    } finally {
      if (!this.#ended) this.#controller.abort(new Error('The reader stopped before the upstream answer ended.'));
    }
  }
}

/** One upstream answer: status and headers once they arrive, the body as it comes. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
  limits: AnswerLimits;
}

/**
 * A dispatch handler whose promise resolves at the response headers, or rejects when the
 * request fails before them. `abortSignal` stops the request at any point.
 */
export function answerHandler(
  abortSignal: AnySignal | undefined,
  onSettled: () => void,
  limits: AnswerLimits,
): { handler: Dispatcher.DispatchHandler; answer: Promise<UpstreamAnswer> } {
  let resolve!: (answer: UpstreamAnswer) => void;
  let reject!: (error: Error) => void;
  const answer = new Promise<UpstreamAnswer>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let body: UpstreamBody | undefined;
  let controller: Dispatcher.DispatchController | undefined;
  const stopListening = abortSignal ? onAbort(abortSignal, () => controller?.abort(abortedError())) : undefined;
  const settle = () => {
    stopListening?.();
    onSettled();
  };
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(started) {
      controller = started;
      if (abortSignal?.aborted) started.abort(abortedError());
    },
    onResponseStart(started, statusCode, headers) {
      // 1xx answers are interim: the real one follows.
      if (statusCode < 200) return;
      body = new UpstreamBody(started, settle, { maxBytes: limits.bodyBytes, declaredBytes: Number(headers['content-length']) || 0 });
      resolve({ statusCode, headers, body, limits });
    },
    onResponseData(_controller, chunk) {
      body?.push(chunk);
    },
    onResponseEnd() {
      body?.end();
    },
    onResponseError(_controller, error) {
      if (body) body.end(error);
      else {
        settle();
        reject(error);
      }
    },
  };
  return { handler, answer };
}

function abortedError(): Error {
  return Object.assign(new Error('The client closed the connection; the upstream request was aborted.'), { code: 'UND_ERR_ABORTED', name: 'AbortError' });
}
