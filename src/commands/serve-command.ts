import { ConfigError, loadConfig, parsePort } from '../config/load-config.js';
import { createJsonLogger } from './json-logger.js';
import { createGateway } from '../gateway.js';
import { isLoopback } from '../http/loopback.js';
import { prepareLocalPools } from './prepare-local-pools.js';

export interface ServeFlags {
  config?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  insecure?: boolean | undefined;
}


/** `gpuroute serve`: resolves once the gateway is listening; signals stop it. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  const config = loadConfig({
    file: flags.config,
    flags: { host: flags.host, port: flags.port === undefined ? undefined : parsePort(flags.port, '--port'), insecure: flags.insecure },
  });
  const { host, port } = config.listen;
  const logger = createJsonLogger('gpuroute');
  if (config.auth.api_keys.length === 0) {
    if (!isLoopback(host) && !config.insecure) {
      throw new ConfigError(
        `Refusing to listen on ${host} with no API keys: anyone who can reach it could use your GPUs. Set GPUROUTE_API_KEYS or auth.api_keys, listen on 127.0.0.1, or pass --insecure.`,
      );
    }
    logger.warn({ host }, 'no API keys configured: every caller that can reach this address is served (set GPUROUTE_API_KEYS or auth.api_keys)');
  }
  const gateway = await createGateway(config, logger);
  await prepareLocalPools(gateway, config, logger);
  const address = await gateway.app.listen({ host, port });
  logger.info({ url: address }, 'gpuroute listening');
  logger.flush();

  // SIGTERM: stop accepting, let in-flight requests and streams finish (bounded by
  // shutdown.drain_ms, then cut), stop the workers, exit 0.
  const stop = async (signal: string) => {
    const drainMs = config.shutdown.drain_ms;
    logger.info({ signal, drain_ms: drainMs }, 'shutting down: finishing requests in flight');
    logger.flush();
    const cut = setTimeout(() => {
      logger.warn({ drain_ms: drainMs }, 'requests still open after shutdown.drain_ms; closing their connections');
      gateway.app.server.closeAllConnections();
    }, drainMs);
    await gateway.close();
    clearTimeout(cut);
    logger.info('stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return 0;
}
