import type { Logger } from 'pino';

/** 128 + SIGINT's number, what a shell reports for a process ended by Ctrl-C. */
const FORCED_EXIT_CODE = 130;

/**
 * The first SIGTERM or SIGINT starts `stop` (a drain). While it runs, a repeated SIGTERM
 * is logged and ignored: supervisors and `kill` loops send it again, and Node's default
 * action would reset every request and stream still being served. A second SIGINT (Ctrl-C
 * pressed again, as terminals teach) exits at once.
 */
export function stopOnSignals(logger: Logger, stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      void stop(signal);
      return;
    }
    if (signal === 'SIGINT') {
      logger.warn({ signal }, 'second SIGINT while shutting down: exiting now, requests still open are cut');
      logger.flush();
      process.exit(FORCED_EXIT_CODE);
    }
    logger.info({ signal }, 'already shutting down; ignoring this signal (a second SIGINT exits at once)');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
