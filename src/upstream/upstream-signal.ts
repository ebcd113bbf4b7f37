import { EventEmitter } from 'node:events';

/**
 * An abort signal made for the hot path. Every proxied call makes one; an AbortController
 * with its listeners costs about 6 µs here against 0.2 µs for this emitter (issue 4).
 */
export class UpstreamSignal extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** What an upstream call can be stopped by: ours, or a standard AbortSignal (probes, warm-ups). */
export type AnySignal = AbortSignal | UpstreamSignal;

/** Runs `listener` once when `signal` aborts; returns the way to stop listening. */
export function onAbort(signal: AnySignal, listener: () => void): () => void {
  if (signal instanceof UpstreamSignal) {
    signal.once('abort', listener);
    return () => signal.off('abort', listener);
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
