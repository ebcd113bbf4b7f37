import { createJsonLogger } from '../../src/commands/json-logger.js';

// A process whose stdout reader goes away: one line, then (once the parent has closed
// its end, which it says on stdin) a burst of lines and an exit with lines still
// buffered, as a forced exit (a second Ctrl-C) does.
const logger = createJsonLogger('reader-gone');
logger.info('first');
logger.flush();
process.stdin.once('data', () => {
  for (let i = 0; i < 2_000; i++) logger.info({ i }, 'burst');
  logger.flush();
  for (let i = 0; i < 200; i++) logger.info({ i }, 'after the flush');
  process.exit(3);
});
