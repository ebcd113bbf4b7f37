/** Where the client commands (warmup, chat, validate) find the gateway. */
export interface ClientFlags {
  url?: string | undefined;
  apiKey?: string | undefined;
}

export class ClientError extends Error {
  override name = 'ClientError';
}

/**
 * A thin fetch wrapper: base URL from --url or GPUROUTE_URL, key from --api-key,
 * GPUROUTE_API_KEY or the first of GPUROUTE_API_KEYS. Errors carry the gateway's own
 * `detail`, which already says what to do.
 */
export class GatewayClient {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;

  constructor(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env) {
    this.baseUrl = (flags.url ?? env.GPUROUTE_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
    const key = flags.apiKey ?? env.GPUROUTE_API_KEY ?? env.GPUROUTE_API_KEYS?.split(',')[0]?.trim();
    this.#headers = key ? { authorization: `Bearer ${key}` } : {};
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    let response: Response;
    try {
      const json = body === undefined ? {} : { body: JSON.stringify(body), headers: { ...this.#headers, 'content-type': 'application/json', ...headers } };
      response = await fetch(`${this.baseUrl}${path}`, { method, headers: { ...this.#headers, ...headers }, ...json });
    } catch (error) {
      throw new ClientError(`Cannot reach the gateway at ${this.baseUrl} (${(error as Error).cause ?? (error as Error).message}). Start it with "npm start", or pass --url.`);
    }
    if (!response.ok) {
      const text = await response.text();
      let detail = text;
      try {
        detail = (JSON.parse(text) as { detail?: string }).detail ?? text;
      } catch {
        // not JSON: show it as it came
      }
      throw new ClientError(`${response.status}: ${detail}`);
    }
    return response;
  }

  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }
}

/** Model ids contain "/", which stays raw in paths; anything else is escaped. */
export function modelPath(model: string): string {
  return model.split('/').map(encodeURIComponent).join('/');
}
