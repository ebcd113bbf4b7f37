import type { ServerResponse } from 'node:http';

/**
 * Calls `closed` once when the response closes, telling it whether the client went away
 * before the answer was complete (so work on its behalf can stop). One listener serves
 * both the bookkeeping that runs on every close and the abort: each listener added and
 * removed costs every call (issue 4).
 */
export function onClose(response: ServerResponse, closed: (early: boolean) => void): void {
  response.once('close', () => closed(!response.writableFinished));
}
