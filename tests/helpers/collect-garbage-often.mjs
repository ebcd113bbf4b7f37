// Preloaded (with --expose-gc) into a gateway under a memory test, so that its heap
// readings show what is live rather than when the collector last happened to run.
setInterval(() => globalThis.gc?.(), 200).unref();
