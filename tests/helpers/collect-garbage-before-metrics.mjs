// Preloaded (with --expose-gc) into a gateway under a memory test: a full collection just
// before each GET /metrics is handled, so that the heap it reports is what is live rather
// than when the collector last happened to run. (A collection every 200 ms did the same at
// a fixed cost per second of wall time, which on a loaded machine left the gateway too little
// CPU to answer within the test's timeout.)
import { subscribe } from 'node:diagnostics_channel';

subscribe('http.server.request.start', ({ request }) => {
  if (request.url === '/metrics') globalThis.gc?.();
});
