import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { BIN, startServing, type ServingProcess } from '../helpers/spawn-cli.js';

/** `gpuroute proxy --target TARGET --port 0 …` as a child process (bin/gpuroute.js runs dist/: build first). */
export function startProxyProcess(target: string, extra: string[] = []): Promise<ServingProcess> {
  return startServing(process.execPath, [BIN, 'proxy', '--target', target, '--port', '0', ...extra], {}, 60_000, 'gpuroute proxy listening');
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): any;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as written, unlike fetch(), which resolves `%2e%2e` and `..`. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

/** One HTTP/1.1 request through node:http, which can send any path and any header (fetch refuses hop-by-hop ones). */
export function rawRequest(base: string, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  // node:http frames a DELETE body only when told its length.
  const headers = req.body === undefined ? req.headers : { 'content-length': Buffer.byteLength(req.body), ...req.headers };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, method: req.method ?? 'GET', path: req.path, headers, timeout: timeoutMs }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${req.method ?? 'GET'} ${req.path} within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** Rejects when `promise` takes longer than `ms`, so a test that would hang fails instead. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
