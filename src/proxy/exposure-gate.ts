import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';

const PROBE_TIMEOUT_MS = 5_000;
const RECHECK_MS = 1_000;

/** What GET /v1/models without a key says about the target. */
export type Exposure = 'needs-key' | 'open' | 'unknown';

/** One unauthenticated GET /v1/models: 401/403 means the target needs a key, 2xx that it serves anyone. */
export async function probeExposure(target: string): Promise<{ exposure: Exposure; why: string }> {
  let status: number;
  try {
    const response = await fetch(`${target}/v1/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    return { exposure: 'unknown', why: `not answering (${(error as Error).message})` };
  }
  if (status === 401 || status === 403) return { exposure: 'needs-key', why: `GET /v1/models without a key: ${status}` };
  if (status < 300) return { exposure: 'open', why: `GET /v1/models without a key: ${status}` };
  return { exposure: 'unknown', why: `GET /v1/models without a key: ${status}, neither an answer nor a refusal` };
}

export function openTargetMessage(target: string, host: string): string {
  return `Refusing to expose ${target} on ${host}: it answers GET /v1/models without a key, so anyone could use your GPUs through this proxy. Give the gateway API keys (GPUROUTE_API_KEYS), listen on 127.0.0.1, or pass --insecure.`;
}

/**
 * A public proxy forwards only once it has seen its target refuse a caller without a key
 * (fail closed): until then every request is a 503 that says why. A target that is down
 * at the start, or serves without a key, is checked again every second until it needs one.
 */
export class ExposureGate {
  #refusal: GatewayError | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly target: string,
    private readonly host: string,
    private readonly logger: Logger,
    first: { exposure: Exposure; why: string },
  ) {
    this.#judge(first);
  }

  /** Undefined when requests may be forwarded, else the error to answer with. */
  get refusal(): GatewayError | undefined {
    return this.#refusal;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #judge({ exposure, why }: { exposure: Exposure; why: string }): void {
    if (exposure === 'needs-key') {
      if (this.#refusal !== undefined) this.logger.info({ target: this.target }, 'the target needs an API key: forwarding from now on');
      this.#refusal = undefined;
      return;
    }
    const message =
      exposure === 'open'
        ? openTargetMessage(this.target, this.host)
        : `This proxy has not yet verified that its gateway needs an API key (${why}), so it forwards nothing; retry in a few seconds. The operator can start the gateway with API keys, or pass --insecure.`;
    if (this.#refusal?.message !== message) this.logger.warn({ target: this.target, why }, 'not forwarding until the target is seen to need an API key');
    this.#refusal = new GatewayError('not_ready', message);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void probeExposure(this.target).then((next) => this.#judge(next)), RECHECK_MS);
    this.#timer.unref();
  }
}
