import { write, writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';

const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 250;
const BUSY_RETRY_MS = 10;
/** At exit, a stdout that stays busy this many times in a row is given up on. */
const BUSY_RETRIES_AT_EXIT = 100;

/**
 * Batched writes to a file descriptor that give up once the reader is gone. Pino's own
 * destination (sonic-boom) retries a failed synchronous write forever, so `serve |
 * pino-pretty` never exited once pino-pretty had (issue 14 §4): here any error other
 * than "busy" means the lines have nowhere to go, and they are dropped from then on.
 */
class BatchedLines {
  #pending = '';
  #writing = false;
  #gone = false;
  #flushed: Array<() => void> = [];

  constructor(private readonly fd: number) {
    setInterval(() => this.flush(), FLUSH_EVERY_MS).unref();
    process.on('exit', () => this.#flushSync());
  }

  write(line: string): void {
    if (this.#gone) return;
    this.#pending += line;
    if (this.#pending.length >= BUFFER_BYTES) this.flush();
  }

  /** Writes what is pending; `done` runs once it is written (or dropped). */
  flush(done?: () => void): void {
    if (done) this.#flushed.push(done);
    if (this.#writing) return;
    if (this.#gone || this.#pending === '') return this.#settle();
    this.#writing = true;
    this.#writeOut(Buffer.from(this.#pending));
    this.#pending = '';
  }

  #writeOut(chunk: Buffer): void {
    write(this.fd, chunk, 0, chunk.length, null, (error, written) => {
      if (error && (error.code === 'EAGAIN' || error.code === 'EBUSY')) return void setTimeout(() => this.#writeOut(chunk), BUSY_RETRY_MS);
      if (error) this.#giveUp();
      else if (written < chunk.length) return this.#writeOut(chunk.subarray(written));
      this.#writing = false;
      this.flush();
    });
  }

  #settle(): void {
    const waiting = this.#flushed;
    this.#flushed = [];
    for (const done of waiting) done();
  }

  #giveUp(): void {
    this.#gone = true;
    this.#pending = '';
  }

  /** At exit there is no event loop left: write synchronously, within bounds. */
  #flushSync(): void {
    let chunk = Buffer.from(this.#pending);
    this.#pending = '';
    let busy = 0;
    while (!this.#gone && chunk.length > 0) {
      try {
        chunk = chunk.subarray(writeSync(this.fd, chunk));
        busy = 0;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'EAGAIN' && code !== 'EBUSY') || ++busy > BUSY_RETRIES_AT_EXIT) this.#giveUp();
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_RETRY_MS);
      }
    }
  }
}

/**
 * JSON lines on stdout, written asynchronously and in batches: one write per ~4 KB
 * instead of one per request line keeps logging off the hot path (issue 4 §3). A timer
 * flushes quiet periods, so a line is never more than a quarter second late; callers
 * flush at once after lines that others wait for ("listening", "stopped").
 */
export function createJsonLogger(name: string, base: Record<string, unknown> = {}): Logger {
  return pino({ name, base: { pid: process.pid, ...base } }, new BatchedLines(1));
}
