import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { rawRequest } from '../helpers/raw-request.js';

/** A TCP server that, on a request's first bytes, writes `answer` (maybe nothing) and closes at once. */
async function closingServer(answer: string): Promise<{ url: string; server: Server }> {
  const server = createServer((socket: Socket) => {
    socket.once('data', () => {
      socket.write(answer);
      // Closing with the body unread makes the kernel reset the connection.
      socket.destroy();
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// Larger than loopback's socket buffers on both sides, so the write is still going out
// when the reset comes back and fails with EPIPE or ECONNRESET.
const BODY = 'x'.repeat(64 * 1024 * 1024);

describe('rawRequest: the fuzz test client', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((server) => server.close()));

  it('reads the status of an answer that came before the body was sent and the connection was reset', async () => {
    const { url, server } = await closingServer('HTTP/1.1 400 Bad Request\r\ncontent-length: 7\r\nconnection: close\r\n\r\nbad url');
    servers.push(server);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await rawRequest(url, { method: 'POST', path: '/%', headers: ['content-type', 'application/json'], body: BODY }), { status: 400, text: 'bad url' });
    }
  });

  it('counts a connection closed with no status line as no answer', async () => {
    const { url, server } = await closingServer('');
    servers.push(server);
    await assert.rejects(rawRequest(url, { method: 'POST', path: '/', headers: [], body: BODY }), /closed with no status line/);
    await assert.rejects(rawRequest(url, { method: 'GET', path: '/', headers: [] }), /closed with no status line/);
  });

  it('counts a partial status line as no answer', async () => {
    const { url, server } = await closingServer('HTTP/1.1 4');
    servers.push(server);
    await assert.rejects(rawRequest(url, { method: 'GET', path: '/', headers: [] }), /closed with no status line.*received 10 bytes/);
  });
});
