import type { ServerResponse } from 'node:http';

/** Calls `abort` when the client goes away before the answer is complete, so work on its behalf stops. */
export function onDisconnect(response: ServerResponse, abort: () => void): void {
  response.once('close', () => {
    if (!response.writableFinished) abort();
  });
}
