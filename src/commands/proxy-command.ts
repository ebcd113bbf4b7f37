import type { Logger } from 'pino';
import { isLoopback } from '../http/loopback.js';
import { createJsonLogger } from './json-logger.js';
import { DEFAULT_WARM_CALLS, MAX_WARM_CALLS } from '../config/config-schema.js';
import { parsePort } from '../config/load-config.js';
import { parseCorsOrigins, parseTarget, PROXY_DEFAULTS, type ProxyOptions } from '../proxy/proxy-options.js';
import { parsePrefix } from '../proxy/proxy-prefix.js';
import { startProxy } from '../proxy/proxy-server.js';
import { ExposureGate, openTargetMessage, probeExposure } from '../proxy/exposure-gate.js';
import { stopOnSignals } from './shutdown-signals.js';
import { discardingLogger, warmHotPath, type WarmTarget } from './warm-hot-path.js';

export interface ProxyFlags {
  target?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  prefix?: string | undefined;
  'cors-origins'?: string | undefined;
  'timeout-ms'?: string | undefined;
  'connect-timeout-ms'?: string | undefined;
  insecure?: boolean | undefined;
  'warm-calls'?: string | undefined;
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

/** `--warm-calls`, as `serve`'s startup.warm_calls: the same default and bounds. */
function warmCalls(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WARM_CALLS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_WARM_CALLS) throw new Error(`--warm-calls must be a whole number from 0 (no warm-up) to ${MAX_WARM_CALLS}, got "${text}"`);
  return n;
}

/** A copy of the proxy for --warm-calls: the same options, on loopback, forwarding to the stand-in, its log dropped. */
function throwawayProxy(options: ProxyOptions): WarmTarget {
  return {
    path: `${options.prefix}/v1/chat/completions`,
    async start(standIn) {
      const copy = await startProxy({ ...options, host: '127.0.0.1', port: 0, target: parseTarget(standIn) }, discardingLogger());
      return { url: copy.url, close: () => copy.close({ drainMs: 0 }) };
    },
  };
}

/** The proxy has no config file: the gateway's defaults, but a proxy's streams drain in 10 s. */
const SHUTDOWN = { acceptGraceMs: 1_000, drainMs: 10_000 };

/**
 * A public proxy in front of a gateway that serves without a key would publish what
 * `gpuroute serve` refuses to publish: a target seen to serve without a key stops the
 * start; one that is not answering yet is checked until it is (nothing is forwarded meanwhile).
 */
async function publicExposureGate(options: ProxyOptions, logger: Logger): Promise<ExposureGate> {
  const first = await probeExposure(options.target);
  if (first.exposure === 'open') throw new Error(openTargetMessage(options.target, options.host));
  return new ExposureGate(options.target, options.host, logger, first);
}

/** `gpuroute proxy`: resolves once the proxy is listening; SIGTERM/SIGINT close it and exit 0. */
export async function proxyCommand(flags: ProxyFlags): Promise<number> {
  const options = proxyOptions(flags);
  const calls = warmCalls(flags['warm-calls']);
  const logger = createJsonLogger('gpuroute-proxy');
  const gate = isLoopback(options.host) || flags.insecure ? undefined : await publicExposureGate(options, logger);
  await warmHotPath(throwawayProxy(options), calls, logger);
  const proxy = await startProxy(options, logger, gate);
  // Before the line that tells callers we listen, so that a signal right after it is ours.
  stopOnSignals(logger, async (signal) => {
    logger.info({ signal, drain_ms: SHUTDOWN.drainMs, accept_grace_ms: SHUTDOWN.acceptGraceMs }, 'shutting down: finishing requests in flight');
    logger.flush();
    gate?.stop();
    await proxy.close({ ...SHUTDOWN, onCut: (open) => logger.warn({ drain_ms: SHUTDOWN.drainMs, open_requests: open }, 'requests still open after the drain; closing their connections') });
    logger.info('stopped');
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(0);
  });
  logger.info({ url: proxy.url, target: options.target, prefix: options.prefix || '/' }, 'gpuroute proxy listening');
  logger.flush();
  return 0;
}
