import type { Logger } from 'pino';
import { isLoopback } from '../http/loopback.js';
import { createJsonLogger } from './json-logger.js';
import { parsePort } from '../config/load-config.js';
import { parseCorsOrigins, parseTarget, PROXY_DEFAULTS, type ProxyOptions } from '../proxy/proxy-options.js';
import { parsePrefix } from '../proxy/proxy-prefix.js';
import { startProxy } from '../proxy/proxy-server.js';

export interface ProxyFlags {
  target?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  prefix?: string | undefined;
  'cors-origins'?: string | undefined;
  'timeout-ms'?: string | undefined;
  'connect-timeout-ms'?: string | undefined;
  insecure?: boolean | undefined;
}

function milliseconds(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of milliseconds, at least 1, got "${text}"`);
  return n;
}

/**
 * Flags, then the environment a host such as Render sets (`PORT`, `GPUROUTE_HOST`),
 * then the defaults; all checked before anything listens.
 */
export function proxyOptions(flags: ProxyFlags, env: NodeJS.ProcessEnv = process.env): ProxyOptions {
  if (!flags.target) throw new Error('proxy needs --target URL, the gateway to forward to, e.g. --target http://127.0.0.1:8000');
  const port = flags.port ?? env.PORT;
  return {
    target: parseTarget(flags.target),
    host: flags.host ?? env.GPUROUTE_HOST ?? PROXY_DEFAULTS.host,
    port: port === undefined ? PROXY_DEFAULTS.port : parsePort(port, flags.port === undefined ? 'PORT' : '--port'),
    prefix: parsePrefix(flags.prefix ?? PROXY_DEFAULTS.prefix),
    corsOrigins: parseCorsOrigins(flags['cors-origins'] ?? PROXY_DEFAULTS.corsOrigins),
    timeoutMs: milliseconds(flags['timeout-ms'], '--timeout-ms', PROXY_DEFAULTS.timeoutMs),
    connectTimeoutMs: milliseconds(flags['connect-timeout-ms'], '--connect-timeout-ms', PROXY_DEFAULTS.connectTimeoutMs),
  };
}

const PROBE_TIMEOUT_MS = 5_000;

/**
 * A public proxy in front of a gateway that serves without a key would publish what
 * `gpuroute serve` refuses to publish: check before listening on a non-loopback address.
 */
async function refuseToPublishOpenGateway(options: ProxyOptions, logger: Logger): Promise<void> {
  let status: number;
  try {
    status = (await fetch(`${options.target}/v1/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })).status;
  } catch (error) {
    logger.warn({ target: options.target, err: (error as Error).message }, 'could not check whether the target needs a key; it is not answering yet');
    return;
  }
  if (status < 300) {
    throw new Error(
      `Refusing to expose ${options.target} on ${options.host}: it answers GET /v1/models without a key, so anyone could use your GPUs through this proxy. Give the gateway API keys (GPUROUTE_API_KEYS), listen on 127.0.0.1, or pass --insecure.`,
    );
  }
}

/** `gpuroute proxy`: resolves once the proxy is listening; SIGTERM/SIGINT close it and exit 0. */
export async function proxyCommand(flags: ProxyFlags): Promise<number> {
  const options = proxyOptions(flags);
  const logger = createJsonLogger('gpuroute-proxy');
  if (!isLoopback(options.host) && !flags.insecure) await refuseToPublishOpenGateway(options, logger);
  const proxy = await startProxy(options, logger);
  logger.info({ url: proxy.url, target: options.target, prefix: options.prefix || '/' }, 'gpuroute proxy listening');
  logger.flush();

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await proxy.close();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return 0;
}
