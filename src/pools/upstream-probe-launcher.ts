import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointGroup } from '../upstream/endpoint-group.js';
import type { LaunchedPool, PoolLauncher } from './pool-launcher.js';

const RETRY_MS = 1_000;

/**
 * Warming an upstream someone else runs means asking until it answers: `/health`, then
 * a 1-token completion of this model (which makes a scale-to-zero endpoint load it).
 */
export class UpstreamProbeLauncher implements PoolLauncher {
  readonly kind = 'upstream';
  readonly device = 'remote';
  readonly weights = 'remote';
  readonly configured: EndpointGroup;
  readonly #group: EndpointGroup;
  readonly #model: string;

  constructor(group: EndpointGroup, model: string) {
    this.configured = group;
    this.#group = group;
    this.#model = model;
  }

  async launch(signal: AbortSignal): Promise<LaunchedPool> {
    let lastFailure = 'no answer yet';
    while (!signal.aborted) {
      try {
        lastFailure = await this.#probe(signal);
        if (!lastFailure) break;
      } catch (error) {
        lastFailure = (error as Error).message;
      }
      await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted) throw new Error(`${(signal.reason as Error).message}; last probe: ${lastFailure}`);
    return { group: this.#group, device: this.device, exited: new Promise<string>(() => undefined), stop: async () => undefined };
  }

  /** An empty string when the upstream served a token, else what went wrong. */
  async #probe(signal: AbortSignal): Promise<string> {
    const health = await this.#group.send({ path: '/health', fromOrigin: true, method: 'GET', signal });
    await health.response.body.dump();
    // A server without /health (404) can still serve; the completion decides.
    if (health.response.statusCode >= 300 && health.response.statusCode !== 404) return `/health answered ${health.response.statusCode}`;
    const completion = await this.#group.send({
      path: '/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: this.#model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      signal,
    });
    const text = await completion.response.body.text();
    return completion.response.statusCode < 300 ? '' : `1-token completion answered ${completion.response.statusCode}: ${text.slice(0, 200)}`;
  }
}
