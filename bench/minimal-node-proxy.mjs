// @ts-check
// The floor for any Node.js proxy on this machine, run in its own process: node:http in,
// one undici Pool out, the body forwarded and the answer piped back. No routing, keys,
// GPU choice, stamping, metrics or logs. gpuroute cannot be faster than this; the report
// shows how far it is from it. Prints {"url": ...} once listening.
// Plain JavaScript, run by bare `node`: a TypeScript loader would add ~30 MB to the
// memory figure it is compared on. `node bench/minimal-node-proxy.mjs <upstream origin>`
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(process.argv[2] ?? 'http://127.0.0.1:1');
const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const parts = [];
  req.on('data', (part) => parts.push(part));
  req.on('end', () => {
    upstream
      .request({ path: req.url ?? '/', method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(parts) })
      .then((answer) => {
        res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
        answer.body.pipe(res);
      })
      .catch(() => res.writeHead(502).end());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
