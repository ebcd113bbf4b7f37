import { pino, type Logger } from 'pino';

const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 250;

/**
 * JSON lines on stdout, written asynchronously and in batches: one write per ~4 KB
 * instead of one per request line keeps logging off the hot path (issue 4 §3). A timer
 * flushes quiet periods, so a line is never more than a quarter second late; callers
 * flush at once after lines that others wait for ("listening", "stopped").
 */
export function createJsonLogger(name: string, base: Record<string, unknown> = {}): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => destination.flush(), FLUSH_EVERY_MS).unref();
  return pino({ name, base: { pid: process.pid, ...base } }, destination);
}
