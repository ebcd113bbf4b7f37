import type { CorsOrigins } from '../http/cors-policy.js';

/** Everything `gpuroute proxy` runs with, checked once at start-up. */
export interface ProxyOptions {
  /** The gateway: origin plus an optional base path, no trailing slash. */
  target: string;
  host: string;
  port: number;
  /** Forwarded path prefix; `''` forwards every path. @default "/api" */
  prefix: string;
  /** @default "*" */
  corsOrigins: CorsOrigins;
  /** Wait for the target's response headers, and for each gap between body chunks. @default 300000 */
  timeoutMs: number;
  /** Time to open a connection to the target. @default 5000 */
  connectTimeoutMs: number;
}

export const PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  prefix: '/api',
  corsOrigins: '*',
  timeoutMs: 300_000,
  connectTimeoutMs: 5_000,
} as const satisfies Omit<ProxyOptions, 'target'>;

/**
 * `--target` as an http(s) URL without query, fragment or credentials (those would be
 * silently lost: the client's own path and query replace them). A path is kept as a base.
 */
export function parseTarget(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--target must be the gateway's URL, e.g. http://127.0.0.1:8000, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--target must be an http:// or https:// URL, got "${text}"`);
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`--target takes no query, fragment or credentials (clients send their own), got "${text}"`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `--cors-origins`: `*`, or a comma-separated list of origins such as `https://app.example.com`. */
export function parseCorsOrigins(text: string): CorsOrigins {
  const origins = text.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 1 && origins[0] === '*') return '*';
  const bad = origins.find((o) => o === '*' || !URL.canParse(o) || new URL(o).origin !== o);
  if (origins.length === 0 || bad !== undefined) {
    throw new Error(`--cors-origins must be * or a comma-separated list of origins like https://app.example.com (scheme, host, optional port, no path)${bad === undefined ? '' : `; "${bad}" is not one`}`);
  }
  return origins;
}
