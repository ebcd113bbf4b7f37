import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { sseEvent } from '../openai/chat-completion.js';

/** Starts a server-sent-events answer; the caller writes events and ends it. */
export function sseReply(reply: FastifyReply): PassThrough {
  const out = new PassThrough();
  void reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(out);
  return out;
}

/** A failure after the status line went out can only be told in the stream itself. */
export function streamFailure(out: PassThrough, error: unknown): void {
  out.end(sseEvent({ error: { message: `generation failed: ${(error as Error).message}`, type: 'api_error', code: 'internal_error' } }));
}
