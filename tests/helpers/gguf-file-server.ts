import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testModelPath } from '../../src/pools/resolve-weights.js';
import { modelsDirWithTestModel } from './test-model.js';

/**
 * The generated test model padded with zeros to 12 MiB: node-llama-cpp's downloader
 * saves progress per 5 MiB chunk, so a file of several chunks is needed to see a resume.
 * The GGUF header still parses: the padding only follows the tensor data.
 */
export async function paddedTestModel(bytes = 12 * 1024 * 1024): Promise<Buffer> {
  const model = readFileSync(testModelPath(await modelsDirWithTestModel()));
  return Buffer.concat([model, Buffer.alloc(Math.max(0, bytes - model.length))]);
}

export interface ServedRequest {
  method: string;
  path: string;
  range: string | undefined;
}

export interface GgufFileServer {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  requests: ServedRequest[];
  /** Bytes past this file offset are never sent: the connection is cut there. */
  cutAt: number | undefined;
  /** A slow link: at most this many bytes of a body every 100 ms. Unset: all at once. */
  bytesPerTick: number | undefined;
  close(): Promise<void>;
}

/**
 * A file server for pull tests, on 127.0.0.1: each of `files` at its path with Range
 * support (what Hugging Face's CDN does), `/broken.gguf` answers 500, `/huge.gguf` announces
 * 10 TB (and sends one byte at most), anything else 404.
 * Every request is recorded, so a test can see the ranges a resumed download asked for.
 * `manifests` makes it a Hugging Face hub for node-llama-cpp (`HF_ENDPOINT`): a path
 * `/v2/<user>/<repo>/manifests/<quant>` answers with the repo file it names.
 */
export async function startGgufFileServer(files: Record<string, Buffer>, manifests: Record<string, string> = {}): Promise<GgufFileServer> {
  const state: GgufFileServer = { url: '', requests: [], cutAt: undefined, bytesPerTick: undefined, close: async () => {} };
  const server: Server = createServer((req, res) => serve(req, res, { files, manifests }, state));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

interface Served {
  files: Record<string, Buffer>;
  manifests: Record<string, string>;
}

function serve(req: IncomingMessage, res: ServerResponse, { files, manifests }: Served, state: GgufFileServer): void {
  state.requests.push({ method: req.method ?? '', path: req.url ?? '', range: req.headers.range });
  const path = (req.url ?? '').split('?')[0]!;
  if (path === '/broken.gguf') {
    res.writeHead(500).end('upstream exploded');
    return;
  }
  if (path === '/huge.gguf') {
    const probe = req.headers.range === 'bytes=0-0';
    res.writeHead(probe ? 206 : 200, { 'accept-ranges': 'bytes', 'content-length': probe ? '1' : String(10e12), ...(probe && { 'content-range': `bytes 0-0/${10e12}` }) });
    if (probe) res.end('G');
    else res.flushHeaders();
    return;
  }
  const manifest = manifests[path];
  if (manifest) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ggufFile: { rfilename: manifest } }));
    return;
  }
  const file = files[path];
  if (!file) {
    res.writeHead(404).end('not found');
    return;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] ? Math.min(Number(range[2]), file.length - 1) : file.length - 1;
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
  if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${file.length}` });
  else res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stopAt = state.cutAt === undefined ? end + 1 : Math.min(end + 1, state.cutAt);
  const body = file.subarray(start, Math.max(start, stopAt));
  // Else cut mid-body, as a dropped connection does.
  const finish = () => (stopAt === end + 1 ? res.end() : setTimeout(() => res.destroy(), 20));
  let sent = 0;
  const tick = () => {
    if (res.destroyed) return;
    const next = state.bytesPerTick === undefined ? body.length : sent + state.bytesPerTick;
    res.write(body.subarray(sent, next));
    sent = next;
    if (sent >= body.length) finish();
    else setTimeout(tick, 100);
  };
  tick();
}
