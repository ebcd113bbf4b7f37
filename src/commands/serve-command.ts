import { configSchema, type Config } from '../config/config-schema.js';
import { ConfigError, loadConfig, parsePort } from '../config/load-config.js';
import { createJsonLogger } from './json-logger.js';
import { createGateway } from '../gateway.js';
import { isLoopback } from '../http/loopback.js';
import { prepareLocalPools } from './prepare-local-pools.js';
import { stopOnSignals } from './shutdown-signals.js';
import { discardingLogger, warmHotPath, type WarmTarget } from './warm-hot-path.js';

export interface ServeFlags {
  config?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  insecure?: boolean | undefined;
  /** Download missing weights on a local pool's first warm-up (workers.pull). */
  pull?: boolean | undefined;
}


/**
 * A copy of the gateway for startup.warm_calls: this config's limits and first key, one
 * pool on the stand-in, no devices; no Redis, metric or log line of the real one.
 */
function throwawayGateway(config: Readonly<Config>): WarmTarget {
  const key = config.auth.api_keys[0];
  return {
    path: '/v1/chat/completions',
    key,
    async start(standIn) {
      const copy = configSchema.parse({
        auth: { api_keys: key ? [key] : [] },
        limits: config.limits,
        gpus: { devices: 'none' },
        pools: [{ gpu: '*', models: ['*'], endpoints: [`${standIn}/v1`] }],
      });
      const gateway = await createGateway(copy, discardingLogger(), {}, { processMetrics: false });
      return { url: await gateway.app.listen({ host: '127.0.0.1', port: 0 }), close: () => gateway.close() };
    },
  };
}

/** `gpuroute serve`: resolves once the gateway is listening; signals stop it. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  const config = loadConfig({
    file: flags.config,
    flags: { host: flags.host, port: flags.port === undefined ? undefined : parsePort(flags.port, '--port'), insecure: flags.insecure, pull: flags.pull },
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
  await warmHotPath(throwawayGateway(config), config.startup.warm_calls, logger);
  const address = await gateway.app.listen({ host, port });
  // SIGTERM: keep accepting for shutdown.accept_grace_ms (answers say Connection: close,
  // /health says draining), then close the listener; let requests and streams in flight
  // finish (cut at shutdown.drain_ms), stop the workers, exit 0.
  stopOnSignals(logger, async (signal) => {
    const { drain_ms: drainMs, accept_grace_ms: acceptGraceMs } = config.shutdown;
    logger.info({ signal, drain_ms: drainMs, accept_grace_ms: acceptGraceMs }, 'shutting down: finishing requests in flight');
    logger.flush();
    await gateway.drain.drain({
      acceptGraceMs,
      drainMs,
      onCut: (open) => logger.warn({ drain_ms: drainMs, open_requests: open }, 'requests still open after shutdown.drain_ms; closing their connections'),
    });
    await gateway.close();
    logger.info('stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  });
  // After the handlers, so that a signal right after this line is ours.
  logger.info({ url: address }, 'gpuroute listening');
  logger.flush();
  return 0;
}
