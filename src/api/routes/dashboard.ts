import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/gateway-error.js';

/**
 * Every file the dashboard serves, by name, with its content type: `npm run build` writes
 * them to dist/dashboard/ (dashboard/*.ts compiled by tsc, index.html and style.css copied).
 * A request path is only ever compared with these names, never joined into a file path.
 */
const FILES: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['style.css', 'text/css; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['api.js', 'text/javascript; charset=utf-8'],
  ['devices.js', 'text/javascript; charset=utf-8'],
  ['dom.js', 'text/javascript; charset=utf-8'],
  ['pools.js', 'text/javascript; charset=utf-8'],
  ['playground.js', 'text/javascript; charset=utf-8'],
  ['traffic.js', 'text/javascript; charset=utf-8'],
  ['chart.js', 'text/javascript; charset=utf-8'],
  ['prometheus.js', 'text/javascript; charset=utf-8'],
  ['sse.js', 'text/javascript; charset=utf-8'],
]);

/** The names above, for tests that check them against the build output. */
export const DASHBOARD_FILES: readonly string[] = [...FILES.keys()];

/** At the root, and under `/api` so that the page also works through the edge proxy's prefix. */
const PREFIXES = ['', '/api'] as const;

/** URL → file name: `/dashboard/` is the page, `/dashboard/<name>` each file, under each prefix. */
const ROUTES: ReadonlyMap<string, string> = new Map(
  PREFIXES.flatMap((prefix): Array<[string, string]> => [
    [`${prefix}/dashboard/`, 'index.html'],
    ...DASHBOARD_FILES.map((name): [string, string] => [`${prefix}/dashboard/${name}`, name]),
  ]),
);

/** `/dashboard` without its slash is redirected: the page's files and calls are relative to `…/dashboard/`. */
const BARE: readonly string[] = PREFIXES.map((prefix) => `${prefix}/dashboard`);

/**
 * The dashboard's paths (without query string). Its static files carry no data and need
 * no key; every data call the page makes sends one. The auth hook's public-path check
 * takes this set next to the health paths.
 */
export const DASHBOARD_PATHS: ReadonlySet<string> = new Set([...ROUTES.keys(), ...BARE]);

/**
 * dist/dashboard/. From the compiled module (dist/api/routes/) and from its source under
 * tsx (src/api/routes/) `../../../dist/dashboard/` is the same folder: the built files.
 */
const ASSETS = new URL('../../../dist/dashboard/', import.meta.url);

// Same-origin scripts, styles and calls only; nothing may frame the page (its buttons act).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function readAsset(name: string): Promise<Buffer> {
  try {
    return await readFile(fileURLToPath(new URL(name, ASSETS)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new GatewayError('route_not_found', `The dashboard is not built (no dist/dashboard/${name}): run npm run build.`);
  }
}

/**
 * `GET /dashboard`: a page that shows every pool, warms pools, streams a chat and charts
 * requests/s and gateway overhead from /metrics (issue 6 §4). Files are read per request
 * (they are small), so a rebuild shows without a restart; `no-cache` makes browsers ask.
 */
export function registerDashboard(app: FastifyInstance): void {
  // Relative, so that `/api/dashboard` (through the proxy) stays under `/api`.
  for (const url of BARE) app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.redirect('dashboard/', 302));
  for (const [url, name] of ROUTES) {
    const type = FILES.get(name) as string;
    // Not part of the API: kept out of /openapi.json.
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      const body = await readAsset(name);
      reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
      if (name === 'index.html') reply.header('content-security-policy', CSP);
      return reply.type(type).send(body);
    });
  }
}
