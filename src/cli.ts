import { parseArgs } from 'node:util';
import { serveCommand } from './commands/serve-command.js';

const USAGE = `Usage: gpuroute <command> [options]

Commands:
  serve     Run the gateway.
            --config FILE   YAML config (or GPUROUTE_CONFIG)
            --host HOST     listen address (default 127.0.0.1)
            --port N        listen port (default 8000; 0 picks a free one)
            --insecure      allow a non-loopback address without API keys
  help      Show this text.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, insecure: { type: 'boolean' } },
        strict: true,
      });
      return serveCommand(values);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gpuroute: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
  },
);
